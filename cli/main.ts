import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { APP_ROOT } from "../jobs/contract/app-root.ts";
import { registerDecodeCommand } from "./decode.ts";
import { registerEvaluateCommand } from "./evaluate.ts";
import { type OutputFormat, outputFormat, outputOption, printResult } from "./output.ts";
import { registerPredictCommand } from "./predict.ts";

// Each command loads what it runs when it runs (`import()` in its action): the API schemas, the
// Kubernetes client, the codecs, sharp, ONNX Runtime and OpenCV.js are each a cost that `--help`,
// `validate` or `decode` should not pay for the others.

async function validateCommand(manifests: string[], format: OutputFormat): Promise<number> {
  const { loadManifests } = await import("./manifests.ts");
  const { resources, errors, skipped } = await loadManifests(manifests);
  // The errors go to stderr in every format (as a log would), and in the machine formats also
  // into the document, so that a program reads one answer.
  for (const e of errors) process.stderr.write(`invalid ${e.message}\n`);
  const valid = resources.map((r) => ({
    kind: r.kind.kind,
    name: r.resource.metadata.name,
    ...(r.resource.metadata.namespace ? { namespace: r.resource.metadata.namespace } : {}),
  }));
  const text = () =>
    [
      ...valid.map((r) => `ok      ${r.kind}/${r.name}\n`),
      ...skipped.map((s) => `skipped ${s}: not a mammoflow.io resource\n`),
    ].join("");
  await printResult(
    format,
    { valid: errors.length === 0, resources: valid, skipped, invalid: errors.map((e) => e.message) },
    text,
  );
  return errors.length === 0 ? 0 : 2;
}

/** The project's version (package.json at the root of the repository and of the images). */
function version(): string {
  try {
    const file = path.join(APP_ROOT, "package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Usage errors the commands raise themselves (code `mammoflow.<command>.usage`); commander prints its own. */
function ownUsageError(error: CommanderError): string | undefined {
  const match = /^mammoflow\.([a-z-]+)\.usage$/.exec(error.code);
  return match ? match[1] : undefined;
}

/**
 * An error no command expected: one line naming what failed (a file the system could not open
 * says which and why), the stack only with --debug.
 */
function reportUnexpected(error: unknown, debug: boolean): number {
  const e = error as NodeJS.ErrnoException;
  const line =
    e?.code && e.path && e.syscall
      ? `cannot ${e.syscall} ${e.path}: ${e.code === "ENOENT" ? "no such file or folder" : e.code}`
      : e instanceof Error
        ? e.message
        : String(error);
  process.stderr.write(`mammoflow: ${line}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  else process.stderr.write("mammoflow: (--debug shows where)\n");
  return 1;
}

/**
 * A manifest or configuration the operator's code rejected (exit 2). import() of a loaded module
 * costs nothing, and a command that raised one of these loaded it; the stage image has no
 * operator/ (and none of its commands raises these), so there the imports fail and the answer is no.
 */
async function isOperatorInputError(error: unknown): Promise<boolean> {
  try {
    const { ResourceValidationError } = await import("../operator/api/parse.ts");
    const { ConfigError } = await import("../operator/config/load.ts");
    return error instanceof ResourceValidationError || error instanceof ConfigError;
  } catch {
    return false;
  }
}

/** The `mammoflow` command. Returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes("--debug");
  const program = new Command()
    .name("mammoflow")
    .description("Runs the RSNA 2023 1st-place mammography pipeline locally or on Kubernetes.")
    .version(version(), "-V, --version", "print the version")
    .option("--debug", "print the stack trace of an unexpected error")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode = 0;
  program
    .command("generate")
    .description(
      "Write the CRDs, the Helm chart's CRDs, the API reference and the stage contract schemas from operator/api.",
    )
    .option("--check", "fail when a generated file is out of date instead of writing")
    .action(async (options) => {
      // Loaded on demand: the generator needs ts-morph, a development dependency that the
      // operator and stage images do not install.
      const { generateCommand } = await import("./generate.ts");
      exitCode = await generateCommand(options);
    });
  program
    .command("validate")
    .description("Validate manifests (files or folders, multi-document YAML) against the API schemas.")
    .argument("<manifest...>", "manifest files or folders")
    .addOption(outputOption())
    .action(async (manifests: string[], options: { output?: string }) => {
      exitCode = await validateCommand(manifests, outputFormat(options.output, "validate"));
    });
  program
    .command("run")
    .description("Run the stages of the given resources on this machine (local runner).")
    .argument("<manifest...>", "manifest files or folders")
    .option("--storage <dir>", "storage root (default: config storage.root)")
    .option("--only <kind/name>", "run only this resource (its inputs must already be complete)")
    .option("--link-assets", "link the bundled assets/data and assets/samples into the storage root if it has none")
    .option(
      "--dry-run",
      "print the plan (resources, stages, inputs, what would run or be reused) and the preflight's findings; start nothing",
    )
    .option(
      "--force [kind/name[/stage]]",
      "re-run these stages (all without a value) and every stage that reads their outputs, whatever results stand; put it after the manifests",
    )
    .addOption(outputOption())
    .action(async (manifests: string[], options) => {
      const format = outputFormat(options.output, "run");
      const { runCommand } = await import("./run.ts");
      exitCode = await runCommand(manifests, { ...options, output: format });
    });
  program
    .command("stage")
    .description("Run one TypeScript stage under the stage contract (what stage pods and the local runner call).")
    .argument("[name]", "stage name, e.g. predict")
    .option("--request <file>", "request JSON file")
    .option("--storage-root <dir>", "storage root of the request's paths (default: $MAMMOFLOW_STORAGE_ROOT or .)")
    .option("--termination-log <file>", "where to write the compact result (default: $MAMMOFLOW_TERMINATION_LOG)")
    .option("--list", "list the stages this program runs")
    .addOption(outputOption())
    .action(async (name: string | undefined, options) => {
      const format = outputFormat(options.output, "stage");
      const { stageCommand } = await import("./stage.ts");
      exitCode = await stageCommand(name, { ...options, output: format });
    });
  program
    .command("operator")
    .description("Run the Kubernetes operator (reconciles every mammoflow kind into stage Jobs).")
    .option("--kubeconfig <file>", "kubeconfig (default: $KUBECONFIG, ~/.kube/config or in-cluster)")
    .option("--namespace <ns>", "watch only this namespace (default: config operator.namespace, else all)")
    .action(async (options) => {
      const { operatorCommand } = await import("./operator-command.ts");
      exitCode = await operatorCommand(options);
    });
  registerDecodeCommand(program, (code) => {
    exitCode = code;
  });
  registerPredictCommand(program, (code) => {
    exitCode = code;
  });
  registerEvaluateCommand(program, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const command = ownUsageError(error);
      if (command) process.stderr.write(`${error.message}\n(mammoflow ${command} --help shows the usage)\n`);
      return error.exitCode;
    }
    if (await isOperatorInputError(error)) {
      process.stderr.write(`mammoflow: ${(error as Error).message}\n`);
      return 2;
    }
    return reportUnexpected(error, debug);
  }
}
