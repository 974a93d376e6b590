import { type Command, CommanderError } from "commander";
import { outputFormat, outputOption, printResult } from "./output.ts";
import { aggregationDefaults } from "./schema-defaults.ts";

interface EvaluateOptions {
  probs?: string;
  labels?: string;
  threshold?: string;
  reduction?: string;
  json?: boolean;
  output?: string;
}

function usage(message: string): never {
  throw new CommanderError(2, "mammoflow.evaluate.usage", `error: ${message}`);
}

/** `mammoflow evaluate --probs FILE --labels FILE`: pF1, F1 at the threshold, best-threshold F1, ROC AUC per breast. */
export function registerEvaluateCommand(program: Command, setExitCode: (code: number) => void): void {
  // --threshold and --reduction default to the aggregate stage's values (schema-defaults.ts).
  program.hook("preSubcommand", async (_program, command) => {
    if (command.name() !== "evaluate") return;
    const defaults = await aggregationDefaults();
    for (const option of command.options) {
      if (option.long === "--threshold") option.default(String(defaults.threshold));
      if (option.long === "--reduction") option.default(defaults.breastReduction.toLowerCase());
    }
  });
  program
    .command("evaluate")
    .description(
      "Score probabilities against labels per breast (prediction_id = patient_id_laterality): probabilistic F1, " +
        "F1 at the threshold, the best F1 over thresholds 0.00…0.99 (ties toward 0.5) and ROC AUC.",
    )
    .option("--probs <file>", "predict's --probs CSV (per image) or a CSV of prediction_id,probability")
    .option("--labels <file>", "CSV with cancer and prediction_id or patient_id + laterality")
    .option("--threshold <p>", "threshold of the submitted 0/1 values")
    .option("--reduction <mean|max>", "how images of a breast are combined")
    .option("--json", "print the metrics as JSON (the same as -o json)")
    .addOption(outputOption())
    .exitOverride((error) => {
      if (error.exitCode === 0) throw error;
      throw new CommanderError(2, error.code, error.message);
    })
    .action(async (options: EvaluateOptions) => {
      const format = options.json && options.output === undefined ? "json" : outputFormat(options.output, "evaluate");
      if (!options.probs) usage("required option '--probs <file>' not specified");
      if (!options.labels) usage("required option '--labels <file>' not specified");
      const defaults = await aggregationDefaults();
      const threshold = options.threshold === undefined ? defaults.threshold : Number(options.threshold);
      if (!(threshold >= 0 && threshold <= 1)) usage(`--threshold ${options.threshold} is not in [0, 1]`);
      const given = options.reduction?.toLowerCase();
      if (given !== undefined && !["mean", "max"].includes(given))
        usage(`--reduction ${options.reduction} is not mean or max`);
      const reduction = given === undefined ? defaults.breastReduction : given === "max" ? "Max" : "Mean";
      const { evaluateFiles } = await import("../jobs/ts/submit/evaluate-files.ts");
      let evaluation: Awaited<ReturnType<typeof evaluateFiles>>;
      try {
        evaluation = await evaluateFiles({ probs: options.probs, labels: options.labels, threshold, reduction });
      } catch (error) {
        process.stderr.write(`mammoflow evaluate: ${(error as Error).message}\n`);
        setExitCode(2);
        return;
      }
      const e = evaluation;
      await printResult(
        format,
        evaluation,
        () =>
          `breasts ${e.breasts} (${e.positives} positive)\n` +
          `pF1              ${e.pF1.toFixed(6)}\n` +
          `F1 @ ${e.threshold}       ${e.f1AtThreshold.toFixed(6)}\n` +
          `best F1          ${e.bestF1.toFixed(6)} @ ${e.bestThreshold.toFixed(2)}\n` +
          `ROC AUC          ${Number.isNaN(e.auc) ? "n/a (one class only)" : e.auc.toFixed(6)}\n`,
      );
      setExitCode(0);
    });
}
