import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { decode as decodePng } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { progressOfLine, StageResult } from "../../../jobs/contract/index.ts";
import { detectorTrainingUint8, yoloxInputUint8 } from "../../../jobs/ts/dicom/convert/paths.ts";
import { readDicom } from "../../../jobs/ts/dicom/read-dicom.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { TS_STAGES } from "../../../jobs/ts/stages.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";
import { writeDicoms } from "../dataset/support/raw-files.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
const SAMPLES = path.join(REPO_ROOT, "assets/samples/test_images");
// From assets/samples/test.csv.
const JPEG2000_MONOCHROME2 = { patientId: "10001", imageId: "691507325" };
const JPEG_LOSSLESS_MONOCHROME1 = { patientId: "10002", imageId: "764491523" };
const WITHOUT_WINDOW = { patientId: "10004", imageId: "1995344364" };
const IMAGES = [JPEG2000_MONOCHROME2, JPEG_LOSSLESS_MONOCHROME1, WITHOUT_WINDOW];
// 16 bits stored above 32767, MONOCHROME1: path C (stored dtype, float64) and path A (int16) differ here.
const FULL_RANGE_MONOCHROME1 = { patientId: "20001", imageId: "7" };
const entry = (i: { patientId: string; imageId: string }) => `images/${i.patientId}@${i.imageId}.png`;
const pngName = (i: { patientId: string; imageId: string }) => `${i.patientId}@${i.imageId}.png`;

let root: string;

/** A labels folder `<name>/` with the given train.txt and val.txt. */
async function labels(name: string, train: string, val: string): Promise<string> {
  await mkdir(path.join(root, name), { recursive: true });
  await writeFile(path.join(root, name, "train.txt"), train);
  await writeFile(path.join(root, name, "val.txt"), val);
  return name;
}

/** Detector "det"'s roi-images request file: its labels list or folder, the DICOMs under train_images. */
async function request(outputDir: string, labels: string, parameters: Record<string, unknown>) {
  return makeStageRequest("roi-images")
    .owner("RoiDetectorTraining", "det")
    .input("labels", labels)
    .input("dicom", "train_images")
    .parameters(parameters)
    .outputDir(outputDir)
    .write(path.join(root, `request-${path.basename(outputDir)}.json`));
}

async function run(outputDir: string, labelsDir: string, parameters: Record<string, unknown> = { workers: 1 }) {
  const file = await request(outputDir, labelsDir, parameters);
  const logs: string[] = [];
  const code = await runStage(TS_STAGES, "roi-images", file, {
    storageRoot: root,
    log: (line) => logs.push(line),
    print: () => {},
  });
  const result = StageResult.parse(JSON.parse(await readFile(path.join(root, outputDir, "result.json"), "utf8")));
  return { code, result, logs };
}

/** Path C of the same DICOM, as the detector-training conversion computes it. */
async function expectedPixels(i: { patientId: string; imageId: string }) {
  const file = path.join(root, "train_images", i.patientId, `${i.imageId}.dcm`);
  const image = await readDicom(new Uint8Array(await readFile(file)));
  return { rows: image.rows, columns: image.columns, pixels: detectorTrainingUint8(image) };
}

async function expectPathC(outputDir: string, i: { patientId: string; imageId: string }) {
  const png = decodePng(await readFile(path.join(root, outputDir, "images", pngName(i))));
  const expected = await expectedPixels(i);
  expect({ channels: png.channels, depth: png.depth, width: png.width, height: png.height }).toEqual({
    channels: 1,
    depth: 8,
    width: expected.columns,
    height: expected.rows,
  });
  expect(Buffer.from(png.data as Uint8Array).equals(Buffer.from(expected.pixels))).toBe(true);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "roi-images-"));
  for (const i of IMAGES) {
    await mkdir(path.join(root, "train_images", i.patientId), { recursive: true });
    await copyFile(
      path.join(SAMPLES, i.patientId, `${i.imageId}.dcm`),
      path.join(root, "train_images", i.patientId, `${i.imageId}.dcm`),
    );
  }
  // A truncated file: the header parses, the pixel data does not.
  const whole = await readFile(path.join(SAMPLES, "10001", "691507325.dcm"));
  await writeFile(path.join(root, "train_images", "10001", "111.dcm"), whole.subarray(0, 700));
  writeDicoms([
    {
      path: path.join(root, "train_images", "20001", "7.dcm"),
      rows: 2,
      columns: 2,
      values: [0, 20000, 40000, 65535],
      bits: 16,
      photometric: "MONOCHROME1",
    },
  ]);
});

afterAll(() => rm(root, { recursive: true, force: true }));

describe("roi-images", () => {
  it("decodes every image of train.txt and val.txt with path C as {patient_id}@{image_id}.png", async () => {
    const list = await labels(
      "labels",
      `${entry(JPEG2000_MONOCHROME2)}\n\n${entry(JPEG_LOSSLESS_MONOCHROME1)}\n`,
      entry(WITHOUT_WINDOW),
    );
    const { code, result, logs } = await run("runs/ok", list);
    expect(code, logs.join("\n")).toBe(0);
    expect(result.outcome).toBe("Succeeded");
    expect(result.artifacts.map((a) => [a.name, a.path])).toEqual([
      ["images", "runs/ok/images"],
      ["failures", "runs/ok/images/failures.jsonl"],
    ]);
    expect(result.metrics).toEqual({ images: 3, written: 3, missing: 0, failed: 0 });
    expect((await readdir(path.join(root, "runs/ok/images"))).sort()).toEqual(
      [...IMAGES.map(pngName), "failures.jsonl"].sort(),
    );
    expect(await readFile(path.join(root, "runs/ok/images/failures.jsonl"), "utf8")).toBe("");
    for (const i of IMAGES) await expectPathC("runs/ok", i);
  });

  it("keeps the stored dtype and float64 of path C: 16-bit MONOCHROME1 values above 32767", async () => {
    const list = await labels("labels-16", `${entry(FULL_RANGE_MONOCHROME1)}\n`, "");
    const { code, logs } = await run("runs/16", list);
    expect(code, logs.join("\n")).toBe(0);
    // 255·(1 − x/65535), truncated; path A would wrap 40000 and 65535 to negative int16 first.
    const png = decodePng(await readFile(path.join(root, "runs/16/images", pngName(FULL_RANGE_MONOCHROME1))));
    expect([...(png.data as Uint8Array)]).toEqual([255, 177, 99, 0]);
    await expectPathC("runs/16", FULL_RANGE_MONOCHROME1);
    const image = await readDicom(new Uint8Array(await readFile(path.join(root, "train_images/20001/7.dcm"))));
    expect([...yoloxInputUint8(image)]).not.toEqual([255, 177, 99, 0]);
  });

  it("writes the same PNGs on worker threads through `mammoflow stage`", async () => {
    const list = await labels("labels-cli", IMAGES.map(entry).join("\n"), `${entry(JPEG2000_MONOCHROME2)}\n`);
    const file = await request("runs/cli", list, { workers: 2 });
    const { stderr } = await promisify(execFile)("node", [
      path.join(REPO_ROOT, "bin/mammoflow.js"),
      ...["stage", "roi-images", "--request", file, "--storage-root", root],
    ]);
    expect(stderr).toContain("decoding with path C on 2 thread(s)");
    // Progress events (JSON lines): the first at once, the last with every image counted.
    const events = stderr.split("\n").flatMap((line) => progressOfLine(line) ?? []);
    expect(events[0]).toEqual({ stage: "roi-images", unit: "images", done: 0, total: 3 });
    expect(events.at(-1)).toMatchObject({ stage: "roi-images", unit: "images", done: 3, total: 3, etaSeconds: 0 });
    const result = StageResult.parse(JSON.parse(await readFile(path.join(root, "runs/cli/result.json"), "utf8")));
    // JPEG2000_MONOCHROME2 is in both lists and decoded once.
    expect(result.metrics).toEqual({ images: 3, written: 3, missing: 0, failed: 0 });
    for (const i of IMAGES) await expectPathC("runs/cli", i);
  });

  it("writes the other images, then fails naming a missing DICOM (MissingArtifact)", async () => {
    const missing = { patientId: "10003", imageId: "999" };
    const list = await labels(
      "labels-missing",
      `${entry(JPEG2000_MONOCHROME2)}\n${entry(missing)}\n`,
      entry(WITHOUT_WINDOW),
    );
    const { code, result } = await run("runs/missing", list);
    expect(code).toBe(2);
    expect(result.error).toEqual({
      reason: "MissingArtifact",
      message:
        "1 of 3 listed images have no PNG (1 missing, 0 not decodable); first: train_images/10003/999.dcm: no such DICOM file; all of them in runs/missing/images/failures.jsonl",
      file: path.join(root, "train_images/10003/999.dcm"),
    });
    expect(result.problems).toEqual([{ item: "train_images/10003/999.dcm", message: "no such DICOM file" }]);
    expect(result.metrics).toEqual({ images: 3, written: 2, missing: 1, failed: 1 });
    expect((await readdir(path.join(root, "runs/missing/images"))).sort()).toEqual(
      [pngName(JPEG2000_MONOCHROME2), pngName(WITHOUT_WINDOW), "failures.jsonl"].sort(),
    );
    await expectPathC("runs/missing", JPEG2000_MONOCHROME2);
    await expectPathC("runs/missing", WITHOUT_WINDOW);
    expect(await readFile(path.join(root, "runs/missing/images/failures.jsonl"), "utf8")).toBe(
      `${JSON.stringify({ file: "train_images/10003/999.dcm", error: "no such DICOM file" })}\n`,
    );
  });

  it("fails with BadInput naming a DICOM that does not decode, and leaves no partial PNG", async () => {
    const truncated = { patientId: "10001", imageId: "111" };
    const list = await labels("labels-truncated", `${entry(truncated)}\n`, `${entry(JPEG_LOSSLESS_MONOCHROME1)}\n`);
    const { code, result } = await run("runs/truncated", list);
    expect(code).toBe(2);
    const reason =
      "the file is truncated: the data set ends inside an element (dicomParser:parseDicomDataSetExplicit: buffer overrun)";
    expect(result.error).toEqual({
      reason: "BadInput",
      message: `1 of 2 listed images have no PNG (0 missing, 1 not decodable); first: train_images/10001/111.dcm: ${reason}; all of them in runs/truncated/images/failures.jsonl`,
      file: path.join(root, "train_images/10001/111.dcm"),
    });
    expect(await readFile(path.join(root, "runs/truncated/images/failures.jsonl"), "utf8")).toBe(
      `${JSON.stringify({ file: "train_images/10001/111.dcm", error: reason })}\n`,
    );
    expect(result.metrics).toEqual({ images: 2, written: 1, missing: 0, failed: 1 });
    expect((await readdir(path.join(root, "runs/truncated/images"))).sort()).toEqual(
      [pngName(JPEG_LOSSLESS_MONOCHROME1), "failures.jsonl"].sort(),
    );
    await expectPathC("runs/truncated", JPEG_LOSSLESS_MONOCHROME1);
  });

  it("fails retryably (Internal, exit 1) when a PNG cannot be written, naming the image", async () => {
    const list = await labels("labels-unwritable", `${entry(JPEG2000_MONOCHROME2)}\n`, `${entry(WITHOUT_WINDOW)}\n`);
    // A folder where the PNG should go: the rename onto it fails (root ignores permissions, not this).
    await mkdir(path.join(root, "runs/unwritable/images", pngName(WITHOUT_WINDOW)), { recursive: true });
    const { code, result } = await run("runs/unwritable", list);
    expect(code).toBe(1);
    expect(result.error?.reason).toBe("Internal");
    expect(result.error?.message).toMatch(
      /^cannot write the PNG of train_images\/10004\/1995344364\.dcm into runs\/unwritable\/images: EISDIR: illegal operation on a directory, rename /,
    );
    expect(result.error?.file).toBe(path.join(root, "train_images/10004/1995344364.dcm"));
    await expectPathC("runs/unwritable", JPEG2000_MONOCHROME2);
  });

  it("refuses a list line that is not images/<patient_id>@<image_id>.png (BadInput naming file and line)", async () => {
    const list = await labels("labels-bad", `${entry(JPEG2000_MONOCHROME2)}\n10002@764491523.png\n`, "");
    const { code, result } = await run("runs/bad", list);
    expect(code).toBe(2);
    expect(result.error).toEqual({
      reason: "BadInput",
      message: `${path.join(root, "labels-bad/train.txt")} line 2: "10002@764491523.png" is not images/<patient_id>@<image_id>.png`,
      file: path.join(root, "labels-bad/train.txt"),
    });
    const escaping = await labels("labels-escape", "", "images/..@1.png\n");
    const second = await run("runs/escape", escaping);
    expect(second.result.error?.reason).toBe("BadInput");
    expect(second.result.error?.message).toContain("val.txt line 1:");
  });
});
