import { access } from "node:fs/promises";
import { describeActiveDecoders } from "../dicom/codecs/active-decoders.ts";
import { ExecutionProviderUnavailable, PrecisionUnsupported } from "../onnx/session.ts";
import {
  ProgressReporter,
  type StageContextOf,
  StageFailure,
  type StageFunction,
  sha256File,
  writeFileAtomic,
} from "../runtime/index.ts";
import { fullFrameFinder } from "./crop/box.ts";
import { detectorModelFile, openRoiFinder } from "./crop/roi-finder.ts";
import { type CropSettings, claimCropSettings, cropSettingsFile } from "./crop-settings.ts";
import { cropShard } from "./crop-shard.ts";
import { cropsDir, recordsFile, reportFile, stageRoot } from "./layout.ts";
import { type DatasetOutcome, gatherRecords, MergeError, mergeDataset } from "./merge.ts";
import { datasetInputs, type PrepareDatasetParameters } from "./parameters.ts";
import type { ImageRecord } from "./records.ts";
import { writeShardRecords } from "./records.ts";
import { exceedsLimit, failureMessage, summarize } from "./report.ts";
import { shardSlice } from "./shard.ts";
import type { DatasetInput, DatasetPlan, DatasetProblem } from "./types.ts";
import { planDatasets, workItems } from "./work.ts";

type PrepareContext = StageContextOf<"prepare-dataset">;

/** Problems the result carries one by one; the report has them all. */
const PROBLEMS_IN_RESULT = 1000;

function parseParameters(ctx: PrepareContext): PrepareDatasetParameters {
  const parameters = ctx.parameters();
  if (parameters.merge && ctx.request.shard) {
    throw new StageFailure("BadRequest", "a merge request must not name a shard (it gathers all of them)");
  }
  return parameters;
}

async function plan(inputs: readonly DatasetInput[]): Promise<DatasetPlan[]> {
  try {
    return await planDatasets(inputs);
  } catch (error) {
    const file = (error as NodeJS.ErrnoException).path;
    throw new StageFailure("BadInput", `cannot read the labels: ${(error as Error).message}`, file);
  }
}

/** The detector ONNX named by the request's `detector` input (a file or the export folder); none means the full frame. */
async function detectorModel(ctx: PrepareContext): Promise<string | undefined> {
  if (ctx.request.inputs.detector === undefined) return undefined;
  const detector = await ctx.inputPath("detector");
  try {
    return await detectorModelFile(detector);
  } catch (error) {
    throw new StageFailure("BadInput", (error as Error).message, detector);
  }
}

/** The request's detector on its provider; a provider or precision it cannot have fails the request. */
async function openDetector(model: string, parameters: PrepareDatasetParameters) {
  try {
    return await openRoiFinder(model, parameters.roi, parameters.runtime);
  } catch (error) {
    if (error instanceof PrecisionUnsupported) {
      throw new StageFailure("BadRequest", `parameters.runtime.detectorPrecision: ${error.message}`);
    }
    if (error instanceof ExecutionProviderUnavailable) {
      throw new StageFailure("BadRequest", `parameters.runtime.executionProvider: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Refuses to reuse crops a request with other pixel, ROI or detector settings made in this folder;
 * `fp16`: how the detector opened (Auto precision depends on the provider the pod got).
 */
async function claimCrops(
  root: string,
  parameters: PrepareDatasetParameters,
  model: string | undefined,
  fp16: boolean,
): Promise<void> {
  const settings: CropSettings = {
    pixels: { ...parameters.pixels },
    roi: { ...parameters.roi },
    detectorSha256: model === undefined ? null : await sha256File(model),
    ...(fp16 ? { detectorPrecision: "Fp16" as const } : {}),
  };
  const other = await claimCropSettings(root, settings);
  if (other) {
    throw new StageFailure(
      "BadRequest",
      `the crops in ${root} were made with other settings (${JSON.stringify(other)}, now ${JSON.stringify(settings)}): use a new folder or delete this one`,
      cropSettingsFile(root),
    );
  }
}

/** Progress events of a shard (images, images/s, ETA) in the stage's JSON log: a shard can take hours. */
function progressLog(shard: { index: number; count: number }, total: number) {
  const reporter = new ProgressReporter({ stage: "prepare-dataset", unit: "images", total, shard });
  let failed = 0;
  reporter.update(0);
  return {
    count: (done: number, record: ImageRecord) => {
      if (record.status === "failed") failed += 1;
      reporter.update(done, failed > 0 ? { failed } : {});
    },
    finish: (done: number) => reporter.finish(done, failed > 0 ? { failed } : {}),
  };
}

function addProblems(ctx: PrepareContext, problems: readonly DatasetProblem[]): void {
  for (const p of problems.slice(0, PROBLEMS_IN_RESULT)) ctx.addProblem(p.item, `${p.kind}: ${p.message}`);
}

/** Crops this process's slice; a shard fails when its own images fail above the limit. */
async function runShard(
  ctx: PrepareContext,
  parameters: PrepareDatasetParameters,
  root: string,
  items: ReturnType<typeof workItems>,
) {
  const shard = ctx.request.shard ?? { index: 0, count: 1 };
  const slice = shardSlice(items, shard);
  const model = await detectorModel(ctx);
  const { finder, fp16, close } = model
    ? await openDetector(model, parameters)
    : { finder: fullFrameFinder, fp16: false, close: async () => {} };
  try {
    await claimCrops(root, parameters, model, fp16);
  } catch (error) {
    await close();
    throw error;
  }
  process.stderr.write(
    `prepare-dataset shard ${shard.index}/${shard.count}: ${slice.length} images; detector ${model ? (fp16 ? "fp16" : "fp32") : "none (full frame)"}; ${describeActiveDecoders({ threads: true })}\n`,
  );
  let records: ImageRecord[];
  try {
    const progress = progressLog(shard, slice.length);
    records = await cropShard(slice, root, { finder, pixels: parameters.pixels }, progress.count);
    progress.finish(records.length);
  } finally {
    await close();
  }
  const file = recordsFile(root, shard.index);
  await writeShardRecords(file, { shard, plannedImages: items.length, records });
  await ctx.addArtifact("shard-records", file);
  const count = (status: ImageRecord["status"]) => records.filter((r) => r.status === status).length;
  ctx.metrics.images = slice.length;
  ctx.metrics.cropped = count("cropped");
  ctx.metrics.resumed = count("resumed");
  ctx.metrics.failed = count("failed");
  for (const branch of ["yolox", "otsu", "full"] as const) {
    ctx.metrics[`roi_${branch}`] = records.filter((r) => r.status === "cropped" && r.branch === branch).length;
  }
  ctx.metrics.roi_exceptions = records.filter((r) => r.roiError !== undefined).length;
  const problems: DatasetProblem[] = records
    .filter((r) => r.status === "failed")
    .map((r) => ({ kind: r.problem ?? "unreadable-file", item: r.file, message: r.message ?? "" }));
  // In a one-process run the merge that follows reports every problem (images, labels, unlabelled
  // files) in report.json and then fails: a failure here would name only the images.
  if (!ctx.request.shard) return;
  addProblems(ctx, problems);
  const summary = summarize(problems, slice.length);
  if (exceedsLimit(summary, parameters.maxErrorFraction)) {
    throw new StageFailure(
      "BadInput",
      failureMessage(problems, summary, parameters.maxErrorFraction, file),
      problems[0]?.item,
    );
  }
}

/** Gathers the shards, writes every dataset's cleaned_label.csv and the report; fails above the limit. */
async function runMerge(
  ctx: PrepareContext,
  parameters: PrepareDatasetParameters,
  root: string,
  inputs: readonly DatasetInput[],
  plans: readonly DatasetPlan[],
  plannedImages: number,
  shards: number,
) {
  const outcomes: DatasetOutcome[] = [];
  try {
    const records = await gatherRecords(root, shards, plannedImages);
    for (const [i, input] of inputs.entries()) {
      outcomes.push(await mergeDataset(root, input, plans[i] as DatasetPlan, records));
    }
  } catch (error) {
    if (error instanceof MergeError) throw new StageFailure("MissingArtifact", error.message, error.file);
    throw error;
  }
  const problems = outcomes.flatMap((o) => o.problems);
  const items = outcomes.reduce((sum, o) => sum + o.summary.items, 0);
  const summary = summarize(problems, items);
  const report = reportFile(root);
  await writeFileAtomic(
    report,
    `${JSON.stringify(
      {
        maxErrorFraction: parameters.maxErrorFraction,
        summary,
        datasets: outcomes.map((o) => ({
          dataset: o.dataset,
          labelFile: o.labelFile,
          rows: o.rows,
          positives: o.positives,
          plannedImages: o.plannedImages,
          summary: o.summary,
          problems: o.problems,
        })),
      },
      null,
      2,
    )}\n`,
  );
  for (const o of outcomes) {
    await ctx.addArtifact(`${o.dataset}-labels`, o.labelFile);
    await ctx.addArtifact(`${o.dataset}-crops`, cropsDir(root, o.dataset));
    ctx.metrics[`${o.dataset}_rows`] = o.rows;
    ctx.metrics[`${o.dataset}_positives`] = o.positives;
    ctx.metrics[`${o.dataset}_errors`] = o.summary.errors;
  }
  await ctx.addArtifact("report", report);
  ctx.metrics.errors = summary.errors;
  ctx.metrics.error_fraction = summary.fraction;
  addProblems(ctx, problems);
  if (exceedsLimit(summary, parameters.maxErrorFraction)) {
    throw new StageFailure(
      "BadInput",
      failureMessage(problems, summary, parameters.maxErrorFraction, report),
      problems[0]?.item,
    );
  }
}

/**
 * prepare-dataset (seed job J3, docs/seed-pipeline.md#classification-datasets): labels by the seed's rules and ROI crops.
 * A shard request crops its slice into the shared crop folders; the merge request (or an
 * unsharded request, after cropping everything) writes the label CSVs and the error report.
 */
export const prepareDataset: StageFunction<"prepare-dataset"> = async (ctx) => {
  const parameters = parseParameters(ctx);
  const inputs = datasetInputs(parameters, ctx.storageRoot, ctx.request.inputs);
  const root = stageRoot(ctx.outputDir, ctx.request.shard !== undefined);
  const plans = await plan(inputs);
  const items = workItems(inputs, plans);
  if (!parameters.merge) await runShard(ctx, parameters, root, items);
  if (parameters.merge) {
    // The catalogue's schema refuses a merge request without its shard count before this.
    if (parameters.shards === undefined) throw new StageFailure("BadRequest", "merge needs the number of shards");
    await runMerge(ctx, parameters, root, inputs, plans, items.length, parameters.shards);
  } else if (ctx.request.shard === undefined) {
    await runMerge(ctx, parameters, root, inputs, plans, items.length, 1);
  } else if (await allShardsRecorded(root, ctx.request.shard.count)) {
    // The Indexed Job has no step after its shards, so the shard that finds every shard's
    // records (at least the last one to finish does: each writes its own before looking) merges.
    // Two shards merging at once write the same files by rename, so either result stands.
    await runMerge(ctx, parameters, root, inputs, plans, items.length, ctx.request.shard.count);
  }
};

async function allShardsRecorded(root: string, count: number): Promise<boolean> {
  for (let index = 0; index < count; index++) {
    if (
      !(await access(recordsFile(root, index)).then(
        () => true,
        () => false,
      ))
    )
      return false;
  }
  return true;
}
