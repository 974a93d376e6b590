import { runStage } from "../../jobs/ts/runtime/index.ts";
import { TS_STAGES } from "../../jobs/ts/stages.ts";

/** `mammoflow stage NAME --request FILE`: the TypeScript stage image's entry point. */
export async function stageCommand(
  name: string,
  options: { request: string; storageRoot?: string; terminationLog?: string },
): Promise<number> {
  return runStage(TS_STAGES, name, options.request, {
    storageRoot: options.storageRoot ?? process.env.MAMMOFLOW_STORAGE_ROOT ?? ".",
    terminationLog: options.terminationLog ?? process.env.MAMMOFLOW_TERMINATION_LOG,
  });
}
