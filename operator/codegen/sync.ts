import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { GENERATED_DIRS } from "./generated-files.ts";

export interface Drift {
  file: string;
  problem: "missing" | "outdated" | "stale";
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Files directly inside a generated folder (sub-folders such as crds/samples are not generated). */
async function existingGeneratedFiles(repoRoot: string): Promise<string[]> {
  const found: string[] = [];
  for (const dir of GENERATED_DIRS) {
    const entries = await readdir(path.join(repoRoot, dir), { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isFile() && entry.name !== "README.md") found.push(`${dir}/${entry.name}`);
    }
  }
  return found;
}

/** Compares the generated files with the tree. */
export async function findDrift(repoRoot: string, expected: Map<string, string>): Promise<Drift[]> {
  const drift: Drift[] = [];
  for (const [file, content] of expected) {
    const actual = await readOrUndefined(path.join(repoRoot, file));
    if (actual === undefined) drift.push({ file, problem: "missing" });
    else if (actual !== content) drift.push({ file, problem: "outdated" });
  }
  for (const file of await existingGeneratedFiles(repoRoot)) {
    if (!expected.has(file)) drift.push({ file, problem: "stale" });
  }
  return drift;
}

/** Writes what drifted (write then rename) and removes stale files. */
export async function applyDrift(repoRoot: string, expected: Map<string, string>, drift: Drift[]): Promise<void> {
  for (const { file, problem } of drift) {
    const target = path.join(repoRoot, file);
    if (problem === "stale") {
      await rm(target);
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${process.pid}`;
    await writeFile(temporary, expected.get(file) ?? "");
    await rename(temporary, target);
  }
}
