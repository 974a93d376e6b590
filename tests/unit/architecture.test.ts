// The folders of the source and what each may import: the one table of the layering, which
// README's Architecture section prints (checked below). A relative import from one folder into
// another that its row does not list fails, naming the file, the import and the rule.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { importsOf, REPO_ROOT, resolvedPath, type SourceImport, sourceImports } from "../support/source-imports.ts";

/** Folder → the folders it may import from (besides its own files). The longest matching folder wins. */
const LAYERS: Readonly<Record<string, readonly string[]>> = {
  // The one front door: every command, so it may import anything (heavy modules on demand).
  cli: [
    "operator/api",
    "operator/codegen",
    "operator/config",
    "operator/controllers",
    "operator/executors",
    "operator/kube",
    "operator/log",
    "operator/loop",
    "operator/pipeline",
    "jobs/ts",
    "jobs/contract",
  ],
  "operator/controllers": [
    "operator/executors",
    "operator/loop",
    "operator/pipeline",
    "operator/kube",
    "operator/api",
    "operator/config",
    "operator/log",
    "jobs/contract",
  ],
  "operator/executors": [
    "operator/loop",
    "operator/pipeline",
    "operator/kube",
    "operator/api",
    "operator/config",
    "operator/log",
    "jobs/contract",
  ],
  // Generates from the API and the configuration schema; the API reference documents the Job
  // sizing that the executors compute.
  "operator/codegen": ["operator/api", "operator/config", "operator/executors", "jobs/contract"],
  // The loop plan → observe → decide → start over an executor, which both executors run.
  "operator/loop": ["operator/pipeline", "operator/api", "jobs/contract"],
  "operator/pipeline": ["operator/api", "operator/config", "operator/log", "jobs/contract"],
  "operator/kube": ["operator/config", "operator/log", "jobs/contract"],
  "operator/config": ["operator/api", "operator/log", "jobs/contract"],
  "operator/api": ["jobs/contract"],
  "operator/log": [],
  "jobs/ts": ["jobs/contract"],
  "jobs/contract": [],
};

const FOLDERS = Object.keys(LAYERS).sort((a, b) => b.length - a.length);

/** The table's folder a repository-relative path lies in, or undefined outside them all. */
function folderOf(file: string): string | undefined {
  return FOLDERS.find((folder) => file === folder || file.startsWith(`${folder}/`));
}

/** One line per import that breaks the table: file:line, the import, where it leads and the rule. */
function layeringViolations(imports: readonly SourceImport[]): string[] {
  const violations: string[] = [];
  for (const source of imports) {
    const where = `${source.file}:${source.line} imports "${source.specifier}"`;
    const from = folderOf(source.file);
    if (from === undefined) {
      violations.push(`${source.file}: no row of LAYERS covers this folder (tests/unit/architecture.test.ts)`);
      continue;
    }
    const target = resolvedPath(source);
    if (target === undefined) continue; // a package or a node: module
    const to = folderOf(target);
    if (to === from) continue;
    const allowed = LAYERS[from] ?? [];
    if (to === undefined) {
      violations.push(
        `${where} (${target}), outside the source folders: ${from} may import only ${allowedText(allowed)}`,
      );
    } else if (!allowed.includes(to)) {
      violations.push(`${where} (${to}): ${from} may import only ${allowedText(allowed)}`);
    }
  }
  return violations;
}

function allowedText(allowed: readonly string[]): string {
  return allowed.length === 0 ? "its own files" : allowed.join(", ");
}

/** The table as README's Architecture section prints it: one line per folder. */
function layersAsReadmeLines(): string[] {
  return Object.entries(LAYERS).map(
    ([folder, allowed]) =>
      `- \`${folder}\` → ${allowed.length === 0 ? "nothing of ours" : allowed.map((a) => `\`${a}\``).join(", ")}`,
  );
}

describe("the source folders import only what LAYERS allows", () => {
  const folders = ["cli", "operator", "jobs/ts", "jobs/contract"];

  it("holds for every import of cli/, operator/, jobs/ts/ and jobs/contract/", () => {
    const imports = sourceImports(folders);
    expect(imports.length).toBeGreaterThan(500);
    expect(layeringViolations(imports)).toEqual([]);
  });

  it("fails on an import that breaks a rule, naming the file, the import and the rule", () => {
    const file = "operator/api/kinds/bad.ts";
    const text = [
      'import { plan } from "../../pipeline/plan.ts";',
      'import { z } from "zod";',
      'import { canonicalJson } from "../../../jobs/contract/canonical-json.ts";',
      'export { runPredict } from "../../../jobs/ts/submit/run-predict.ts";',
      'const later = await import("../../controllers/operator.ts");',
      'import { helper } from "../../../tests/support/helper.ts";',
      "",
    ].join("\n");
    expect(layeringViolations(importsOf(file, text))).toEqual([
      `${file}:1 imports "../../pipeline/plan.ts" (operator/pipeline): operator/api may import only jobs/contract`,
      `${file}:4 imports "../../../jobs/ts/submit/run-predict.ts" (jobs/ts): operator/api may import only jobs/contract`,
      `${file}:5 imports "../../controllers/operator.ts" (operator/controllers): operator/api may import only jobs/contract`,
      `${file}:6 imports "../../../tests/support/helper.ts" (tests/support/helper.ts), outside the source folders: operator/api may import only jobs/contract`,
    ]);
  });

  it("knows no folder it has no row for, and lets jobs/contract import nothing of ours", () => {
    expect(layeringViolations(importsOf("operator/newfolder/x.ts", 'import "../api/index.ts";\n'))).toEqual([
      "operator/newfolder/x.ts: no row of LAYERS covers this folder (tests/unit/architecture.test.ts)",
    ]);
    expect(layeringViolations(importsOf("jobs/contract/x.ts", 'import "../ts/stages.ts";\n'))).toEqual([
      'jobs/contract/x.ts:1 imports "../ts/stages.ts" (jobs/ts): jobs/contract may import only its own files',
    ]);
  });

  it("is the table README's Architecture section prints", () => {
    const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(
      readme.indexOf("## Architecture"),
      readme.indexOf("\n## ", readme.indexOf("## Architecture") + 1),
    );
    const printed = section.split("\n").filter((line) => line.startsWith("- `"));
    expect(printed).toEqual(layersAsReadmeLines());
  });
});
