import { EXIT_PERMANENT_FAILURE } from "../jobs/contract/exit-codes.ts";
import { runStage } from "../jobs/ts/runtime/index.ts";
import { TS_STAGES } from "../jobs/ts/stages.ts";
import { type OutputFormat, printResult } from "./output.ts";

/** `mammoflow stage NAME --request FILE`: the TypeScript stage image's entry point. */
export async function stageCommand(
  name: string | undefined,
  options: { request?: string; storageRoot?: string; terminationLog?: string; list?: boolean; output?: OutputFormat },
): Promise<number> {
  if (options.list) {
    const stages = Object.keys(TS_STAGES).sort();
    await printResult(options.output ?? "text", { stages }, () => `${stages.join("\n")}\n`);
    return 0;
  }
  if (!name || !options.request) {
    process.stderr.write("mammoflow stage: a stage name and --request FILE are required (--list lists the stages)\n");
    return EXIT_PERMANENT_FAILURE;
  }
  // PID 1 of a container ignores SIGTERM without a handler; a deleted pod must stop at once
  // (outputs are written by atomic rename, so nothing half-written is left behind).
  process.once("SIGTERM", () => process.exit(143));
  return runStage(TS_STAGES, name, options.request, {
    storageRoot: options.storageRoot ?? process.env.MAMMOFLOW_STORAGE_ROOT ?? ".",
    terminationLog: options.terminationLog ?? process.env.MAMMOFLOW_TERMINATION_LOG,
  });
}
