/**
 * Area under the ROC curve as `sklearn.metrics.roc_curve` + `auc` compute it: thresholds at
 * the distinct scores from high to low, cumulative true/false positive rates, trapezoids (tied
 * scores form one diagonal step). NaN when only one class is present, as sklearn warns.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  if (n !== scores.length) throw new RangeError(`${n} labels but ${scores.length} scores`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let positives = 0;
  for (let i = 0; i < n; i++) positives += (labels[i] as number) === 1 ? 1 : 0;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let prevTpr = 0;
  let prevFpr = 0;
  let area = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    if ((labels[i] as number) === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const tpr = tp / positives;
    const fpr = fp / negatives;
    area += ((fpr - prevFpr) * (tpr + prevTpr)) / 2;
    prevTpr = tpr;
    prevFpr = fpr;
  }
  return area;
}
