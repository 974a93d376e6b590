/**
 * The line `mammoflow run` ends with when its last stage scored a test set against labels (the
 * aggregate stage's metrics): what a user checks first to tell a working pipeline from a broken one.
 * Undefined when the stage reported no AUC (no labels, or one class only).
 */
export function metricsLine(metrics: Readonly<Record<string, number>> | undefined): string | undefined {
  const auc = metrics?.auc;
  if (auc === undefined || Number.isNaN(auc)) return undefined;
  const parts = [`ROC AUC ${auc.toFixed(3)}`];
  if (metrics?.pF1 !== undefined) {
    const at = metrics.threshold === undefined ? "" : ` at threshold ${metrics.threshold}`;
    parts.push(`pF1 ${metrics.pF1.toFixed(3)}${at}`);
  }
  const breasts = metrics?.breasts === undefined ? "" : ` (${metrics.breasts} breasts)`;
  return `scored against the labels${breasts}: ${parts.join(", ")}`;
}
