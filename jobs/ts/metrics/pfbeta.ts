/**
 * Probabilistic F-beta of the competition (the seed's `pfbeta_np`, docs/seed-pipeline.md#metrics):
 * predictions clipped to [0,1]; ctp = Σ p over positives, cfp = Σ p over negatives;
 * precision ctp/(ctp+cfp), recall ctp/#positives; 0 unless both are > 0. On 0/1 predictions it
 * is the ordinary F-beta.
 */
export function pfbeta(labels: ArrayLike<number>, predictions: ArrayLike<number>, beta = 1): number {
  if (labels.length !== predictions.length) {
    throw new RangeError(`${labels.length} labels but ${predictions.length} predictions`);
  }
  let positives = 0;
  let ctp = 0;
  let cfp = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] as number;
    const p = Math.min(Math.max(predictions[i] as number, 0), 1);
    positives += y;
    if (y === 1) ctp += p;
    else if (y === 0) cfp += p;
  }
  const precision = ctp / (ctp + cfp);
  const recall = ctp / positives;
  if (!(precision > 0 && recall > 0)) return 0;
  const b2 = beta * beta;
  return ((1 + b2) * (precision * recall)) / (b2 * precision + recall);
}
