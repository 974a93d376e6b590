// Files a stage reads that its request names in its parameters rather than its inputs: the reuse
// rule fingerprints them too, or a fixed DICOM of a raw dataset would leave prepare-dataset's crops
// standing. The twin of parameter_inputs in jobs/python/src/mammoflow_jobs/reuse/rule.py (both
// checked against jobs/contract/reuse-cases.json).

/** The value at `keys` inside a request's parameters, if there is one. */
export const at = (value: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (current, key) =>
      typeof current === "object" && current !== null ? (current as Record<string, unknown>)[key] : undefined,
    value,
  );

/**
 * The storage-relative paths a stage's parameters name, keyed `parameters.<field>`. A path named
 * but not read in some setting (pretrained weights when training resumes) is fingerprinted all
 * the same: a change to it re-runs the stage, which is the safe side.
 */
export function parameterInputs(stage: string, parameters: Record<string, unknown>): Record<string, string> {
  const named: [string, unknown][] = [];
  if (stage === "train-fold") named.push(["parameters.model.pretrained", at(parameters, "model", "pretrained")]);
  if (stage === "train-detector")
    named.push(["parameters.training.pretrained", at(parameters, "training", "pretrained")]);
  if (stage === "roi-dataset") {
    named.push(["parameters.training.labels", at(parameters, "training", "labels")]);
    named.push(["parameters.training.images", at(parameters, "training", "images")]);
  }
  if (stage === "prepare-dataset") {
    const datasets = at(parameters, "datasets");
    (Array.isArray(datasets) ? datasets : []).forEach((d, i) => {
      // A dataset without rawPath is read from datasets/raw/<name> (jobs/contract/parameters/datasets.ts).
      const name = at(d, "name");
      named.push([
        `parameters.datasets[${i}].rawPath`,
        at(d, "rawPath") ?? (name ? `datasets/raw/${name}` : undefined),
      ]);
    });
  }
  return Object.fromEntries(
    named.filter((entry): entry is [string, string] => typeof entry[1] === "string" && entry[1] !== ""),
  );
}
