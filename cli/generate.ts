import { APP_ROOT } from "../jobs/contract/app-root.ts";
import { generatedFiles } from "../operator/codegen/generated-files.ts";
import { applyDrift, findDrift } from "../operator/codegen/sync.ts";

/** `mammoflow generate [--check]`: writes (or checks) every file generated from operator/api, in the repository. */
export async function generateCommand(options: { check?: boolean }): Promise<number> {
  const expected = generatedFiles(APP_ROOT);
  const drift = await findDrift(APP_ROOT, expected);
  if (options.check) {
    if (drift.length === 0) {
      process.stdout.write(`generate:check: ${expected.size} generated files are up to date\n`);
      return 0;
    }
    for (const d of drift) process.stderr.write(`generate:check: ${d.file} is ${d.problem}\n`);
    process.stderr.write("generate:check: run `npm run generate` and commit the result\n");
    return 1;
  }
  await applyDrift(APP_ROOT, expected, drift);
  process.stdout.write(`generate: ${drift.length} of ${expected.size} files written or removed\n`);
  for (const d of drift) process.stdout.write(`  ${d.problem === "stale" ? "removed" : "wrote"} ${d.file}\n`);
  return 0;
}
