/**
 * The field of the user's manifest behind a stage request's field, for messages that must say
 * what to change: a request names `inputs.csv` or `parameters.training.device`, the user wrote
 * `spec.testSet.csv` of a Submission or `spec.classifier.training.device` of a Reproduction.
 */

/** Request inputs that come from a spec field of the resource itself (the rest are stage folders). */
const INPUT_FIELDS: Record<string, Record<string, string>> = {
  "RoiDetectorTraining roi-images": { labels: "training.labels", dicom: "training.dicomImages" },
  "RoiDetectorTraining roi-dataset": { labels: "training.labels", images: "training.images" },
  "RoiDetectorTraining export-onnx": { checkpoint: "checkpoint" },
  "Submission predict": { csv: "testSet.csv", images: "testSet.images" },
  "Submission aggregate": { csv: "testSet.csv", images: "testSet.images", labels: "testSet.labels" },
};

/**
 * The field of a resource's spec that a request field of one of its stages comes from, or
 * undefined when the request field is no spec field (an input another stage writes). Parameters
 * are spec subtrees under the same names.
 */
export function specField(kind: string, stage: string, requestField: string): string | undefined {
  if (requestField.startsWith("parameters.")) return requestField.slice("parameters.".length);
  const input = requestField.startsWith("inputs.") ? requestField.slice("inputs.".length) : undefined;
  if (input === undefined) return undefined;
  // An EngineBuild from Trained checkpoints reads them as inputs fold0, fold1, …
  const fold = /^fold(\d+)$/.exec(input);
  if (kind === "EngineBuild" && stage === "export-onnx" && fold) return `trainedCheckpoints[${fold[1]}]`;
  return INPUT_FIELDS[`${kind} ${stage}`]?.[input];
}

/**
 * Where a Reproduction sets each part of its children's specs (pipeline/reproduction.ts): the
 * first prefix that matches a child's field is replaced by the Reproduction's. The detector's
 * checkpoint and the Trained folds are files of spec.trainedAssets.
 */
const REPRODUCTION_FIELDS: Record<string, [child: string, reproduction: string][]> = {
  RoiDetectorTraining: [
    ["training", "detector.training"],
    ["tensorRT", "engine.export.tensorRT"],
    ["checkpoint", "trainedAssets"],
  ],
  ClassificationDataset: [["", "dataset"]],
  ClassifierFold: [
    ["training", "classifier.training"],
    ["model", "classifier.model"],
    ["stages", "classifier.stages"],
  ],
  EngineBuild: [
    ["export", "engine.export"],
    ["selection", "engine.selection"],
    ["model", "classifier.model"],
    ["trainedCheckpoints", "trainedAssets"],
  ],
  Submission: [["", "submission"]],
};

const under = (field: string, prefix: string) =>
  prefix === "" || field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`);

/**
 * `Kind/name spec.<field>` of the manifest the user wrote: the resource's own field, or the
 * Reproduction's (`origin`, `Kind/name` of the manifest) that made the resource.
 */
export function manifestField(kind: string, name: string, origin: string, field: string): string {
  if (origin === `${kind}/${name}` || !origin.startsWith("Reproduction/")) return `${kind}/${name} spec.${field}`;
  const mapping = (REPRODUCTION_FIELDS[kind] ?? []).find(([child]) => under(field, child));
  if (!mapping) return `${kind}/${name} spec.${field}`;
  const [child, reproduction] = mapping;
  if (reproduction === "trainedAssets") return `${origin} spec.trainedAssets`;
  const rest = field.slice(child.length).replace(/^\./, "");
  const joined =
    rest === "" ? reproduction : rest.startsWith("[") ? `${reproduction}${rest}` : `${reproduction}.${rest}`;
  return `${origin} spec.${joined}`;
}
