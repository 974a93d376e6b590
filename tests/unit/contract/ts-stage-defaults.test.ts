import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { APP_ROOT } from "../../../jobs/contract/app-root.ts";
import { STAGE_CATALOGUE } from "../../../jobs/contract/stages.ts";

// The TypeScript stages read their parameters through their catalogue entries
// (jobs/contract/catalogue), which hold the seed's defaults once; the twin of
// jobs/python/tests/test_stage_parameters.py for the Python stages.

/** Every numeric default of the TypeScript stages' parameters, by field name (the leaf's key). */
function numericDefaults(): Map<string, Set<number>> {
  const defaults = [
    STAGE_CATALOGUE.predict.parameters.parse({}),
    STAGE_CATALOGUE.aggregate.parameters.parse({}),
    STAGE_CATALOGUE["prepare-dataset"].parameters.parse({ datasets: [{ name: "bmcd" }] }),
    STAGE_CATALOGUE["roi-images"].parameters.parse({}),
  ];
  const found = new Map<string, Set<number>>();
  const walk = (value: unknown, key: string) => {
    if (typeof value === "number") found.set(key, (found.get(key) ?? new Set()).add(value));
    else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, k);
    }
  };
  for (const d of defaults) walk(d, "");
  return found;
}

/**
 * The seed's numbers a stage, the CLI or a helper re-declared before they had one home; each must
 * come from the catalogue now. Checked anywhere in the code, whatever it is named.
 */
const SEED_NUMBERS = [0.31, 0.97935, 0.04];

/**
 * The one kept twin: jobs/ts/dicom/convert/options.ts holds SEED_PIXEL_CONVERSION (windowIndex 0
 * and the seed's flags) as plain data because `mammoflow decode` must not load zod (the compiled
 * build's per-command package test); tests/unit/dicom/conversions.test.ts checks that it equals
 * the API's PixelConversion parsed from {}.
 */
const ZOD_FREE_TWINS = new Set(["jobs/ts/dicom/convert/options.ts"]);

/** The TypeScript sources of the stage programs and of the commands that share their code. */
function sources(): string[] {
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (entry.name.endsWith(".ts") && !ZOD_FREE_TWINS.has(path.relative(APP_ROOT, file))) files.push(file);
    }
  };
  visit(path.join(APP_ROOT, "jobs/ts"));
  visit(path.join(APP_ROOT, "cli"));
  return files.sort();
}

/**
 * Where a source states a default of its own: a seed number anywhere; a parameter's name given
 * its catalogue default as a literal (`threshold: 0.31`, `x.batchSize ?? 2`, `{ threads = 0 }`).
 */
function ownDefaults(file: string, defaults: Map<string, Set<number>>, text = readFileSync(file, "utf8")): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2023, true);
  const where = (node: ts.Node) =>
    `${path.relative(APP_ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${node.getText()}`;
  const literal = (node: ts.Node | undefined): number | undefined =>
    node && ts.isNumericLiteral(node) ? Number(node.text) : undefined;
  const isDefaultOf = (name: string, value: number | undefined) =>
    value !== undefined && (defaults.get(name)?.has(value) ?? false);
  const nameOf = (node: ts.Node): string | undefined =>
    ts.isIdentifier(node) || ts.isStringLiteral(node)
      ? node.text
      : ts.isPropertyAccessExpression(node)
        ? node.name.text
        : undefined;
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    const value = literal(node);
    if (value !== undefined && SEED_NUMBERS.includes(value)) found.push(where(node));
    else if (ts.isPropertyAssignment(node) && isDefaultOf(nameOf(node.name) ?? "", literal(node.initializer))) {
      found.push(where(node));
    } else if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken &&
      isDefaultOf(nameOf(node.left) ?? "", literal(node.right))
    ) {
      found.push(where(node));
    } else if (ts.isBindingElement(node) && isDefaultOf(nameOf(node.name) ?? "", literal(node.initializer))) {
      found.push(where(node));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("the TypeScript stages hold no default number of their own", () => {
  it("looks for these numbers: the TypeScript stages' numeric defaults, from the catalogue", () => {
    const table = Object.fromEntries([...numericDefaults()].map(([name, values]) => [name, [...values].sort()]));
    expect(table).toEqual({
      confidenceThreshold: [0.5],
      nmsIouThreshold: [0.9],
      minAreaFraction: [0.04],
      windowIndex: [0],
      batchSize: [2],
      shards: [1],
      threads: [0],
      deviceId: [0],
      threshold: [0.31],
      autoThresholdQuantile: [0.97935],
      maxErrorFraction: [0],
    });
    for (const seed of SEED_NUMBERS) expect(Object.values(table).flat()).toContain(seed);
  });

  it("finds none of them re-declared in jobs/ts or cli", () => {
    const defaults = numericDefaults();
    const files = sources();
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((file) => ownDefaults(file, defaults))).toEqual([]);
  });

  it("would find one: a parameter given its default by name, and a seed number under any name", () => {
    const probe = path.join(APP_ROOT, "tmp/PROBE");
    const text = [
      "const a = { threshold: 0.31, batchSize: 2, other: 2 };",
      "const b = options.threads ?? 0;",
      "const { deviceId = 0 } = runtime;",
      "const c = 0.04 * area;",
    ].join("\n");
    expect(ownDefaults(probe, numericDefaults(), text)).toEqual([
      "tmp/PROBE:1 threshold: 0.31",
      "tmp/PROBE:1 0.31",
      "tmp/PROBE:1 batchSize: 2",
      "tmp/PROBE:2 options.threads ?? 0",
      "tmp/PROBE:3 deviceId = 0",
      "tmp/PROBE:4 0.04",
    ]);
  });
});
