import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decode as decodePng } from "fast-png";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { detectorTrainingUint8, readDicom, windowedUint8, yoloxInputUint8 } from "../../../jobs/ts/dicom/index.ts";
import { dicomFile } from "../../support/dicom-builder.ts";
import { mammoflow } from "../../support/mammoflow-cli.ts";

const values = (seed: number) => Array.from({ length: 48 }, (_, i) => (i * 97 + seed * 31) % 4096);

const scratch: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

// Each test spawns the CLI (a fresh Node with tsx); on a busy 2-core machine that takes seconds.
vi.setConfig({ testTimeout: 180_000 });

describe("mammoflow decode", () => {
  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });
  let input: string;
  const good: Record<string, Uint8Array> = {};
  beforeAll(async () => {
    input = await tempDir("mammoflow-decode-in-");
    good["mono1-sigmoid.dcm"] = dicomFile()
      .rows(6)
      .columns(8)
      .photometric("MONOCHROME1")
      .window([2000, 100], [3000, 50], "SIGMOID")
      .pixels16(values(1))
      .build();
    good.nowindow = dicomFile().rows(6).columns(8).pixels16(values(2)).build();
    good["nested/linear.dcm"] = dicomFile().rows(6).columns(8).window([1500.5], [2000]).pixels16(values(3)).build();
    await mkdir(path.join(input, "nested"));
    for (const [name, bytes] of Object.entries(good)) await writeFile(path.join(input, name), bytes);
    await writeFile(path.join(input, "garbage.dcm"), new Uint8Array(500).fill(7));
    const whole = good.nowindow as Uint8Array;
    await writeFile(path.join(input, "nested/short.dcm"), whole.subarray(0, whole.length - 40));
    await writeFile(
      path.join(input, "notes.txt"),
      "not an input: folders contribute .dcm/.dicom and extension-less files",
    );
  });

  async function expectPng(file: string, expected: Uint8Array, rows: number, columns: number) {
    const png = decodePng(await readFile(file));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([columns, rows, 1, 8]);
    expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(expected))).toBe(true);
  }

  it("writes one PNG per good input, failures.jsonl for the rest, and exits 1", async () => {
    const out = await tempDir("mammoflow-decode-out-");
    const { code, stdout, stderr } = await mammoflow("decode", input, "--out", out, "--workers", "2");
    expect(code).toBe(1);
    expect(stdout).toMatch(/^decode: 3 of 5 written to .* \(mode window, 2 worker\(s\), [\d.]+ s\); 2 failed\n$/);
    expect(stderr).toContain('failed  garbage.dcm: not a DICOM Part-10 file: no "DICM" prefix at byte 128');
    // Not a terminal: the first file's line at once, the last one when the batch ends (with rate and ETA).
    const progress = stderr.split("\n").filter((line) => line.startsWith("decode: "));
    expect(progress[0]).toMatch(/^decode: 1\/5 images \(20%\)/);
    expect(progress.at(-1)).toMatch(/^decode: 5\/5 images \(100%\), 2 failed, [\d.]+ images\/s, ETA 0s$/);
    expect((await readdir(out)).sort()).toEqual(["failures.jsonl", "linear.png", "mono1-sigmoid.png", "nowindow.png"]);
    for (const [name, bytes] of Object.entries(good)) {
      const image = await readDicom(bytes);
      const stem = path.basename(name).replace(/\.dcm$/, "");
      await expectPng(path.join(out, `${stem}.png`), windowedUint8(image), 6, 8);
    }
    const failures = (await readFile(path.join(out, "failures.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(failures).toEqual([
      {
        file: path.join(input, "garbage.dcm"),
        error: 'garbage.dcm: not a DICOM Part-10 file: no "DICM" prefix at byte 128',
      },
      {
        file: path.join(input, "nested/short.dcm"),
        error:
          "short.dcm: the file is truncated: the data set ends inside an element (dicomParser:parseDicomDataSetExplicit: buffer overrun)",
      },
    ]);
  });

  it("--mode yolox and --mode minmax write the detector's images; all good inputs exit 0", async () => {
    const files = ["mono1-sigmoid.dcm", "nowindow"].map((f) => path.join(input, f));
    for (const [mode, convert] of [
      ["yolox", yoloxInputUint8],
      ["minmax", detectorTrainingUint8],
    ] as const) {
      const out = await tempDir(`mammoflow-decode-${mode}-`);
      const { code, stdout } = await mammoflow("decode", ...files, "--out", out, "--mode", mode, "--workers", "1");
      expect(code).toBe(0);
      expect(stdout).toContain(`decode: 2 of 2 written to ${out} (mode ${mode}, 1 worker(s)`);
      expect(await readFile(path.join(out, "failures.jsonl"), "utf8")).toBe("");
      for (const f of files) {
        const image = await readDicom(new Uint8Array(await readFile(f)));
        await expectPng(path.join(out, `${path.basename(f).replace(/\.dcm$/, "")}.png`), convert(image), 6, 8);
      }
    }
  });

  it("two inputs with the same stem: the second fails instead of overwriting the first", async () => {
    const out = await tempDir("mammoflow-decode-dup-");
    const a = path.join(input, "nested/linear.dcm");
    const other = await tempDir("mammoflow-decode-dup-in-");
    await writeFile(path.join(other, "linear.dcm"), good.nowindow as Uint8Array);
    const { code } = await mammoflow("decode", a, path.join(other, "linear.dcm"), "--out", out);
    expect(code).toBe(1);
    expect(await readFile(path.join(out, "failures.jsonl"), "utf8")).toBe(
      `${JSON.stringify({ file: path.join(other, "linear.dcm"), error: `linear.dcm: output linear.png is already written for ${a}` })}\n`,
    );
  });

  it.each([
    [["decode", "x.dcm"], "error: required option '--out <dir>' not specified"],
    [["decode", "missing.dcm", "--out", "o"], "error: input missing.dcm does not exist"],
    // Two inputs start the worker threads before the inputs are listed: they stop with the error.
    [["decode", "missing.dcm", "other.dcm", "--out", "o", "--workers", "2"], "error: input missing.dcm does not exist"],
    [
      ["decode", "x.dcm", "--out", "o", "--mode", "sharpen"],
      "error: --mode sharpen is not one of window, yolox, minmax",
    ],
    [["decode", "x.dcm", "--out", "o", "--colour"], "error: unknown option '--colour'"],
  ])("usage error %j exits 2", async (args, message) => {
    const { code, stderr } = await mammoflow(...args);
    expect(code).toBe(2);
    expect(stderr.split(message).length - 1, "the message, printed once").toBe(1);
  });
});
