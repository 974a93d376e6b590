import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../jobs/contract/canonical-json.ts";
import { fingerprintInput } from "../../../jobs/contract/fingerprints.ts";
import { parameterInputs } from "../../../jobs/contract/parameter-inputs.ts";
import {
  type CopyAcross,
  contentKeyOf,
  decideCachedReuse,
  decideReuse,
  outputDigestOf,
  type RecordedRun,
  type WorkOf,
} from "../../../jobs/contract/reuse-rule.ts";

// The table the Python runner's tests read too (jobs/python/tests/test_reuse_rule.py): one rule,
// two languages, the same answers.
const CASES = JSON.parse(readFileSync("jobs/contract/reuse-cases.json", "utf8")) as {
  decide: {
    name: string;
    recorded: RecordedRun | null;
    current: { requestDigest: string; inputFingerprints: Record<string, string> };
    force?: boolean;
    expect: unknown;
  }[];
  cached: { name: string; candidate: RecordedRun | null; contentKey: string; across?: CopyAcross; expect: unknown }[];
  canonicalJson: { value: unknown; expect: string }[];
  contentKey: { name: string; work: WorkOf; inputFingerprints: Record<string, string>; expect: string }[];
  outputDigest: { contentKey: string; startedAt: string; finishedAt: string; expect: string }[];
  parameterInputs: { stage: string; parameters: Record<string, unknown>; expect: Record<string, string> }[];
  fingerprint: { name: string; files: Record<string, string | null>; input: string; expect: string }[];
};

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

async function storageWith(files: Record<string, string | null>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "mammoflow-reuse-"));
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    if (content === null) await mkdir(file, { recursive: true });
    else {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
    }
  }
  return root;
}

describe("the result-reuse rule (jobs/contract/reuse-cases.json)", () => {
  it.each(CASES.decide.map((c) => [c.name, c] as const))("own result: %s", (_name, c) => {
    expect(decideReuse(c.recorded ?? undefined, c.current, c.force ?? false)).toEqual(c.expect);
  });

  it.each(CASES.cached.map((c) => [c.name, c] as const))("cached result: %s", (_name, c) => {
    expect(decideCachedReuse(c.candidate ?? undefined, c.contentKey, c.across)).toEqual(c.expect);
  });

  it.each(CASES.canonicalJson.map((c) => [c.expect, c] as const))("canonical JSON %s", (_name, c) => {
    expect(canonicalJson(c.value)).toBe(c.expect);
  });

  it.each(CASES.contentKey.map((c) => [c.name, c] as const))("content key of %s", (_name, c) => {
    expect(contentKeyOf(c.work, c.inputFingerprints)).toBe(c.expect);
  });

  it("content key: the canonical JSON of stage, parameters, shard and inputs by content", () => {
    const c = CASES.contentKey[0];
    if (!c) throw new Error("no content-key case");
    const text = `{"apiVersion":"mammoflow.io/stage/v1","inputs":{"checkpoint":"file:00"},"parameters":{"ema":0.9998,"opset":17},"shard":null,"stage":"export-onnx"}`;
    expect(c.expect).toBe(sha(text));
  });

  it("output digest of a run", () => {
    for (const c of CASES.outputDigest) {
      expect(outputDigestOf(c.contentKey, c.startedAt, c.finishedAt)).toBe(
        sha(`${c.contentKey}\n${c.startedAt}\n${c.finishedAt}`),
      );
      expect(outputDigestOf(c.contentKey, c.startedAt, c.finishedAt)).toBe(c.expect);
    }
  });

  it.each(CASES.parameterInputs.map((c) => [c.stage, c] as const))("paths in the parameters of %s", (_stage, c) => {
    expect(parameterInputs(c.stage, c.parameters)).toEqual(c.expect);
  });

  it.each(CASES.fingerprint.map((c) => [c.name, c] as const))("fingerprint of %s", async (_name, c) => {
    expect(await fingerprintInput(await storageWith(c.files), c.input)).toBe(c.expect);
  });

  it("a folder's fingerprint is the digest of its sorted listing", () => {
    const folder = CASES.fingerprint.find((c) => c.input === "images");
    const listing = `1/a.dcm\t${sha("A")}\n1/b.dcm\t${sha("B")}\n10/a.dcm\t${sha("C")}\n`;
    expect(folder?.expect).toBe(`folder:${sha(listing)}`);
  });
});

describe("the per-file digest index on the storage", () => {
  const indexFile = (root: string, input: string) => path.join(root, ".mammoflow/file-digests", `${sha(input)}.json`);

  it("records each file by size, mtime (ns) and inode, and trusts an entry while they hold", async () => {
    const root = await storageWith({ "data/images/a.dcm": "A" });
    expect(await fingerprintInput(root, "data/images")).toBe(`folder:${sha(`a.dcm\t${sha("A")}\n`)}`);
    const file = path.join(root, "data/images/a.dcm");
    const stats = await stat(file, { bigint: true });
    const key = `${stats.size}:${stats.mtimeNs}:${stats.ino}:`;
    const index = JSON.parse(await readFile(indexFile(root, "data/images"), "utf8"));
    expect(index).toEqual({ input: "data/images", files: { "data/images/a.dcm": `${key}${sha("A")}` } });
    // A re-run reads the index, not the file: a forged digest under the same stat is believed.
    index.files["data/images/a.dcm"] = `${key}${"f".repeat(64)}`;
    await writeFile(indexFile(root, "data/images"), JSON.stringify(index));
    expect(await fingerprintInput(root, "data/images")).toBe(`folder:${sha(`a.dcm\t${"f".repeat(64)}\n`)}`);
  });

  it("rehashes a file whose size or mtime changed (a fixed data file)", async () => {
    const root = await storageWith({ "data/test.csv": "id\n1\n" });
    expect(await fingerprintInput(root, "data/test.csv")).toBe(`file:${sha("id\n1\n")}`);
    await writeFile(path.join(root, "data/test.csv"), "id\n2\n");
    const later = new Date(Date.now() + 5_000);
    await utimes(path.join(root, "data/test.csv"), later, later);
    expect(await fingerprintInput(root, "data/test.csv")).toBe(`file:${sha("id\n2\n")}`);
  });
});
