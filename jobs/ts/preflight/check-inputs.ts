import { missingInputLine, missingInputs } from "../../contract/missing-inputs.ts";
import type { StageContextOf } from "../runtime/index.ts";
import { resolveInput } from "../runtime/input-path.ts";
import { StageFailure } from "../runtime/stage-failure.ts";

/** What a pod finds at a required path: nothing, or something it may not read (a link out of the root). */
type Look = { present: true } | { present: false; why?: string };

/** The path as the stages would open it: present, absent, or leaving the storage root (input-path.ts). */
async function look(storageRoot: string, path: string): Promise<Look> {
  try {
    await resolveInput(storageRoot, path, path);
    return { present: true };
  } catch (error) {
    if (error instanceof StageFailure && error.reason === "BadInput") return { present: false, why: error.message };
    if (error instanceof StageFailure && error.reason === "MissingArtifact") return { present: false };
    throw error;
  }
}

/**
 * The check-inputs stage (catalogue/check-inputs.ts): looks at every required path on the
 * storage, all of them, and reports the missing ones — each a problem worded with the stages and
 * fields that read it, and a finding (its path) the operator reads from the termination message.
 * Missing inputs are what it is asked to find, not a failure of its own: it succeeds either way.
 */
export async function checkInputsStage(context: StageContextOf<"check-inputs">): Promise<void> {
  const { required } = context.parameters();
  const paths = [...new Set(required.map((r) => r.path))];
  const looks = new Map(await Promise.all(paths.map(async (p) => [p, await look(context.storageRoot, p)] as const)));
  const missing = missingInputs(required, (path) => looks.get(path)?.present === true);
  context.metrics.inputsChecked = paths.length;
  context.metrics.inputsMissing = missing.size;
  for (const [path, needs] of missing) {
    const found = looks.get(path);
    const why = found && !found.present ? found.why : undefined;
    context.addProblem(path, missingInputLine(path, needs, why).trimStart());
    context.findings.push(path);
  }
  const said = missing.size === 0 ? "all present" : `${missing.size} missing`;
  process.stderr.write(`check-inputs: ${paths.length} path(s) looked at under ${context.storageRoot}: ${said}\n`);
  for (const { message } of context.problems) process.stderr.write(`  ${message}\n`);
}
