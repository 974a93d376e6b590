import { type Command, CommanderError } from "commander";
import { outputFormat, outputOption, printResult } from "./output.ts";
import { aggregationDefaults } from "./schema-defaults.ts";

// Only commander at load time: the stage code (ONNX Runtime, OpenCV.js, the codecs) is imported
// when the command runs, and the operator image, which has none of it, still lists the command.
interface PredictOptions {
  csv?: string;
  images?: string;
  detector?: string;
  classifier?: string;
  out?: string;
  probs?: string;
  threshold?: string;
  autoThreshold?: boolean;
  provider: string;
  workers?: string;
  threads?: string;
  batchSize?: string;
  trtCache?: string;
  windowPrecision: string;
  detectorPrecision: string;
  output?: string;
}

/** `auto|fp32|fp16` as typed → the API's detectorPrecision (jobs/contract/parameters/detector-precision.ts). */
const DETECTOR_PRECISIONS = { auto: "Auto", fp32: "Fp32", fp16: "Fp16" } as const;

function usage(message: string): never {
  throw new CommanderError(2, "mammoflow.predict.usage", `error: ${message}`);
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usage(`${name} ${value} is not a positive integer`);
  return n;
}

/**
 * The defaults of --threshold, --auto-threshold and --batch-size are the predict and aggregate
 * stages' (jobs/contract/catalogue), read from their schemas when `predict` is the command (help
 * included): registering the command loads no schema, so `mammoflow --help` stays commander only.
 */
async function showSchemaDefaults(command: Command): Promise<void> {
  const aggregation = await aggregationDefaults();
  const { PredictRuntime } = await import("../jobs/contract/catalogue/predict.ts");
  const runtime = PredictRuntime.parse({});
  for (const option of command.options) {
    if (option.long === "--threshold") option.default(String(aggregation.threshold));
    if (option.long === "--batch-size") option.default(String(runtime.batchSize));
    if (option.long === "--auto-threshold") {
      option.description = `use the ${aggregation.autoThresholdQuantile} quantile of the breast probabilities as the threshold`;
    }
  }
}

/**
 * `mammoflow predict`: the seed's submission (J8) on this machine: test.csv + DICOM folder +
 * the two ONNX models → submission.csv (and the per-image probabilities). Bad files are reported
 * and skipped; exit 1 only when no image could be scored.
 */
export function registerPredictCommand(program: Command, setExitCode: (code: number) => void): void {
  program.hook("preSubcommand", async (_program, command) => {
    if (command.name() === "predict") await showSchemaDefaults(command);
  });
  program
    .command("predict")
    .description(
      "Score a test set: breast ROI (YOLOX ONNX, Otsu fallback), crop, VOI window, classifier ensemble (ONNX), " +
        "mean over folds and over the images of each breast, threshold → submission.csv (prediction_id,cancer).",
    )
    .option("--csv <file>", "competition-style test.csv (patient_id, image_id, laterality[, prediction_id])")
    .option("--images <dir>", "folder with <patient_id>/<image_id>.dcm or <image_id>.dcm")
    .option("--detector <onnx>", "breast detector ONNX ([1,3,H,W] → [1,A,6]) or a folder holding it")
    .option("--classifier <onnx>", "fold ensemble ONNX ([N,3,H,W] → [N,F]) or a folder holding it")
    .option("--out <file>", "submission.csv to write")
    .option("--probs <file>", "also write per-image boxes and probabilities")
    .option("--threshold <p>", "a breast is positive when its probability is > p")
    .option("--auto-threshold", "use the seed's quantile of the breast probabilities as the threshold")
    .option("--provider <name>", "execution provider: cpu, cuda, tensorrt or auto", "cpu")
    .option(
      "--workers <n>",
      "threads decoding and preparing images in parallel (default: one per core this process may use, CPU quota included)",
    )
    .option("--threads <n>", "ONNX Runtime threads per model (default: one per core)")
    .option("--batch-size <n>", "classifier batch size")
    .option("--trt-cache <dir>", "TensorRT engine cache folder (built on first use, reused after)")
    .option(
      "--detector-precision <mode>",
      "ROI detector precision: auto (fp16 where it runs on TensorRT, as the seed's engine), fp32, or fp16 (TensorRT only)",
      "auto",
    )
    .option(
      "--window-precision <mode>",
      "window centre/width: float16-dali (the seed's test-time path for JPEG 2000/Lossless) or float64",
      "float16-dali",
    )
    .addOption(outputOption())
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error;
      throw new CommanderError(2, error.code, error.message);
    })
    .action(async (options: PredictOptions) => {
      for (const name of ["csv", "images", "detector", "classifier", "out"] as const) {
        if (!options[name]) usage(`required option '--${name}' not specified`);
      }
      const format = outputFormat(options.output, "predict");
      const threshold = options.threshold === undefined ? undefined : Number(options.threshold);
      if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
        usage(`--threshold ${options.threshold} is not in [0, 1]`);
      }
      if (!["float16-dali", "float64"].includes(options.windowPrecision)) {
        usage(`--window-precision ${options.windowPrecision} is not float16-dali or float64`);
      }
      const { parseExecutionProvider, inferenceRuntimeOptions } = await import("../jobs/ts/onnx/options.ts");
      let executionProvider: ReturnType<typeof parseExecutionProvider>;
      try {
        executionProvider = parseExecutionProvider(options.provider);
      } catch (error) {
        usage((error as Error).message);
      }
      const detectorPrecision =
        DETECTOR_PRECISIONS[options.detectorPrecision.toLowerCase() as keyof typeof DETECTOR_PRECISIONS];
      if (!detectorPrecision) usage(`--detector-precision ${options.detectorPrecision} is not auto, fp32 or fp16`);
      // Refused before any work, as the API refuses detectorPrecision Fp16 with these providers.
      if (detectorPrecision === "Fp16" && (executionProvider === "Cpu" || executionProvider === "Cuda")) {
        usage(
          `--detector-precision fp16 needs --provider tensorrt (or auto on a TensorRT host): the ${options.provider} provider runs the detector's float32 graph`,
        );
      }
      const batchSize = positiveInteger(options.batchSize, "--batch-size");
      const threads = positiveInteger(options.threads, "--threads");
      // The flags left out take the predict stage's defaults (jobs/contract/catalogue/predict.ts).
      const runtime = inferenceRuntimeOptions({
        executionProvider,
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(threads !== undefined ? { threads } : {}),
        ...(options.trtCache ? { tensorrtEngineCacheDir: options.trtCache } : {}),
      });
      const workers = positiveInteger(options.workers, "--workers");
      const { scoreTestSet, isBadInputError } = await import("../jobs/ts/submit/score-test-set.ts");
      const { RoiSelection } = await import("../jobs/contract/parameters/roi.ts");
      const { Aggregation } = await import("../jobs/contract/parameters/submission.ts");
      const { countProgress } = await import("./progress-display.ts");
      const progress = await countProgress("predict", "images");
      const started = Date.now();
      let score: Awaited<ReturnType<typeof scoreTestSet>>;
      try {
        score = await scoreTestSet({
          csv: options.csv as string,
          images: options.images as string,
          detector: options.detector as string,
          classifier: options.classifier as string,
          out: options.out as string,
          ...(options.probs ? { probs: options.probs } : {}),
          aggregation: Aggregation.parse({
            ...(threshold !== undefined ? { threshold } : {}),
            autoThreshold: options.autoThreshold === true,
          }),
          roi: RoiSelection.parse({}),
          pixels: {
            windowParamPrecision: options.windowPrecision === "float64" ? "Float64" : "Float16ForDaliSyntaxes",
          },
          runtime,
          detectorPrecision,
          ...(workers !== undefined ? { workers } : {}),
          onProgress: progress.update,
          onWarning: (_image, message) => process.stderr.write(`\nwarning ${message}\n`),
          onReady: (info) =>
            process.stderr.write(
              `predict: ${info.images} images; detector on ${info.detector} (${info.detectorFp16 ? "fp16" : "fp32"}), classifier on ${info.classifier} (batch ${info.batchSize})\n`,
            ),
        });
      } catch (error) {
        progress.end();
        if (isBadInputError(error)) {
          process.stderr.write(`mammoflow predict: ${error.message}\n`);
          setExitCode(2);
          return;
        }
        throw error;
      }
      progress.end();
      const { results, submission, scored } = score;
      for (const r of submission.failedImages) process.stderr.write(`failed  ${r.imageId}: ${r.error}\n`);
      for (const id of submission.missingBreasts)
        process.stderr.write(`missing ${id}: no image could be scored; written as 0\n`);
      const seconds = (Date.now() - started) / 1000;
      const positive = submission.breasts.filter((b) => b.probability > submission.threshold).length;
      await printResult(
        format,
        {
          images: results.length,
          scored,
          seconds,
          breasts: submission.breasts.length,
          positive,
          threshold: submission.threshold,
          submission: options.out,
          ...(options.probs ? { probs: options.probs } : {}),
          failedImages: submission.failedImages.map((r) => ({ imageId: r.imageId, error: r.error })),
          missingBreasts: submission.missingBreasts,
        },
        () =>
          `predict: ${scored} of ${results.length} images scored in ${seconds.toFixed(1)} s; ${submission.breasts.length} breasts, ` +
          `${positive} positive at threshold ${submission.threshold}; wrote ${options.out}` +
          `${options.probs ? ` and ${options.probs}` : ""}\n`,
      );
      setExitCode(scored > 0 || results.length === 0 ? 0 : 1);
    });
}
