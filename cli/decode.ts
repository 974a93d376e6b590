import { type Command, CommanderError } from "commander";
import type { DecodeMode } from "../jobs/ts/dicom/batch/decode-modes.ts";
import { outputFormat, outputOption, printResult } from "./output.ts";

// Only commander at load time: the decoders are imported when the command runs, and the operator
// image, which has none of them, still lists the command.

interface DecodeOptions {
  out?: string;
  mode: string;
  workers?: string;
  output?: string;
}

function usage(message: string): never {
  // cli/main.ts prints it, once, with the pointer to --help.
  throw new CommanderError(2, "mammoflow.decode.usage", `error: ${message}`);
}

/** `mammoflow decode INPUT... --out DIR`: DICOM files to 8-bit PNGs by one of the seed's conversion paths. */
export function registerDecodeCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("decode")
    .description(
      "Decode DICOM files (or folders, recursively) to 8-bit one-channel PNGs at full resolution: " +
        "window = the seed's VOI window #0 (min-max without a window), yolox = the ROI detector's min-max input, " +
        "minmax = the detector-training min-max. Writes DIR/<stem>.png and DIR/failures.jsonl; exit 1 if any file failed.",
    )
    .argument("<input...>", "DICOM files or folders")
    .option("--out <dir>", "output folder (required)")
    .option("--mode <mode>", "conversion: window, yolox or minmax (described above)", "window")
    .option("--workers <n>", "decoding threads (default: every core this process may use, CPU quota included)")
    .addOption(outputOption())
    // Usage errors exit 2 here, like the other bad-input cases of this project; help stays 0.
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error;
      throw new CommanderError(2, error.code, error.message);
    })
    .action(async (inputs: string[], options: DecodeOptions) => {
      if (!options.out) usage("required option '--out <dir>' not specified");
      const format = outputFormat(options.output, "decode");
      const { DECODE_MODES } = await import("../jobs/ts/dicom/batch/decode-modes.ts");
      const { cpuBudget } = await import("../jobs/ts/platform/cpu-budget.ts");
      if (!DECODE_MODES.includes(options.mode as DecodeMode)) {
        usage(`--mode ${options.mode} is not one of ${DECODE_MODES.join(", ")}`);
      }
      const workers = options.workers === undefined ? cpuBudget() : Number(options.workers);
      if (!Number.isInteger(workers) || workers < 1) usage(`--workers ${options.workers} is not a positive integer`);
      // The codecs load only for this command (in the worker threads).
      const { runDecodeBatch } = await import("../jobs/ts/dicom/batch/run-batch.ts");
      const { InputError } = await import("../jobs/ts/dicom/batch/inputs.ts");
      const { countProgress } = await import("./progress-display.ts");
      const progress = await countProgress("decode", "images");
      let summary: Awaited<ReturnType<typeof runDecodeBatch>>;
      try {
        summary = await runDecodeBatch({
          inputs,
          outDir: options.out,
          mode: options.mode as DecodeMode,
          workers,
          onProgress: progress.update,
        });
      } catch (error) {
        if (error instanceof InputError) usage(error.message);
        throw error;
      } finally {
        progress.end();
      }
      for (const f of summary.failures) process.stderr.write(`failed  ${f.error}\n`);
      await printResult(
        format,
        {
          total: summary.total,
          written: summary.succeeded,
          out: options.out,
          mode: options.mode,
          workers,
          seconds: summary.seconds,
          failures: summary.failures,
        },
        () =>
          `decode: ${summary.succeeded} of ${summary.total} written to ${options.out} (mode ${options.mode}, ${workers} worker(s), ${summary.seconds.toFixed(1)} s); ${summary.failures.length} failed\n`,
      );
      setExitCode(summary.failures.length === 0 ? 0 : 1);
    });
}
