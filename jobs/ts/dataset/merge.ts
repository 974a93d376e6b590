import { access } from "node:fs/promises";
import { writeFileAtomic } from "../runtime/index.ts";
import { DATASET_ADAPTERS } from "./adapters/index.ts";
import { formatCsv } from "./csv.ts";
import { cropFile, labelFile, recordsFile } from "./layout.ts";
import { type ImageRecord, readShardRecords } from "./records.ts";
import { type ErrorSummary, summarize } from "./report.ts";
import { type DatasetInput, type DatasetPlan, type DatasetProblem, type ImageFacts, imageKey } from "./types.ts";

export interface DatasetOutcome {
  dataset: string;
  labelFile: string;
  rows: number;
  positives: number;
  plannedImages: number;
  problems: DatasetProblem[];
  summary: ErrorSummary;
}

/** Why the merge cannot go on: a shard has not finished, or the shards planned something else. */
export class MergeError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }
}

/** Every shard's records, by `dataset/key`; all `count` shards must have finished. */
export async function gatherRecords(
  root: string,
  count: number,
  plannedImages: number,
): Promise<Map<string, ImageRecord>> {
  const byKey = new Map<string, ImageRecord>();
  for (let index = 0; index < count; index++) {
    const file = recordsFile(root, index);
    const shard = await readShardRecords(file);
    if (!shard) throw new MergeError(`shard ${index} of ${count} has not finished (no ${file})`, file);
    if (shard.shard.count !== count || shard.plannedImages !== plannedImages) {
      throw new MergeError(
        `shard ${index} was run as ${shard.shard.index}/${shard.shard.count} over ${shard.plannedImages} images, the merge expects ${index}/${count} over ${plannedImages}: the raw data or the request changed`,
        file,
      );
    }
    for (const record of shard.records) byKey.set(`${record.dataset}/${record.key}`, record);
  }
  return byKey;
}

function recordProblem(record: ImageRecord): DatasetProblem {
  return {
    kind: record.problem ?? "unreadable-file",
    item: record.file,
    message: record.message ?? "the image could not be cropped",
  };
}

/**
 * One dataset's final label CSV: the rows of the images the shards cropped, in the seed's
 * order, written by rename; plus every problem (plan, images, table, unlabelled files).
 */
export async function mergeDataset(
  root: string,
  input: DatasetInput,
  plan: DatasetPlan,
  records: ReadonlyMap<string, ImageRecord>,
): Promise<DatasetOutcome> {
  const adapter = DATASET_ADAPTERS[input.name];
  const facts = new Map<string, ImageFacts>();
  const failed: DatasetProblem[] = [];
  for (const image of plan.images) {
    const key = imageKey(image);
    const record = records.get(`${input.name}/${key}`);
    if (!record) throw new MergeError(`${input.name}: no shard processed ${key}: the raw data changed after cropping`);
    if (record.status === "failed") {
      failed.push(recordProblem(record));
      continue;
    }
    const crop = cropFile(root, input.name, key);
    const present = await access(crop).then(
      () => true,
      () => false,
    );
    if (!present) throw new MergeError(`${input.name}: the crop of ${key} is missing: ${crop}`, crop);
    facts.set(key, record.laterality ? { laterality: record.laterality } : {});
  }
  const table = await adapter.table(input, plan, facts);
  const unlabelled = (await adapter.unlabelledImages(input, plan)).map(
    (file): DatasetProblem => ({ kind: "image-without-label", item: file, message: "no label row names this image" }),
  );
  const problems = [...plan.problems, ...failed, ...table.problems, ...unlabelled];
  const target = labelFile(root, input.name);
  await writeFileAtomic(target, formatCsv({ columns: [...table.columns], rows: table.rows }));
  const cancer = table.columns.indexOf("cancer");
  const positives = cancer < 0 ? 0 : table.rows.filter((row) => row[cancer] === "1").length;
  // Failed images are planned ones; unlabelled files are listed but are no items (report.ts isError).
  const items = plan.images.length + plan.problems.length + table.problems.length;
  return {
    dataset: input.name,
    labelFile: target,
    rows: table.rows.length,
    positives,
    plannedImages: plan.images.length,
    problems,
    summary: summarize(problems, items),
  };
}
