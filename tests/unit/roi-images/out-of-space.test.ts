// roi-images on a disk that is really full (a 512 KiB tmpfs as the storage root, the DICOMs on
// it too): the stage ends OutOfSpace, retryable, names the image whose PNG did not fit, keeps the
// PNGs already written whole, leaves no partial PNG or temporary file, and a retry with room
// finishes the job.
import { mkdir, readdir, readFile, rm, statfs, writeFile } from "node:fs/promises";
import path from "node:path";
import { decode as decodePng } from "fast-png";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT_RETRYABLE_FAILURE, StageResult } from "../../../jobs/contract/index.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { TS_STAGES } from "../../../jobs/ts/stages.ts";
import { prng } from "../../support/prng.ts";
import { mountSmallDisk, type SmallDisk } from "../../support/small-disk.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";
import { writeDicoms } from "../dataset/support/raw-files.ts";

const OUTPUT = "runs/local/RoiDetectorTraining/det/roi-images";
const KiB = 1024;
// Small images take one 4 KiB page each as PNGs; the noise image's PNG (about 40 KiB: 8-bit noise
// does not compress) does not fit in the room left.
const SMALL = [
  { patientId: "1", imageId: "11", rows: 16, columns: 16 },
  { patientId: "2", imageId: "22", rows: 16, columns: 16 },
];
const LARGE = { patientId: "3", imageId: "33", rows: 200, columns: 200 };
const ROOM_LEFT = 24 * KiB;
const pngName = (i: { patientId: string; imageId: string }) => `${i.patientId}@${i.imageId}.png`;
const dicomOf = (i: { patientId: string; imageId: string }) => `train_images/${i.patientId}/${i.imageId}.dcm`;

/** Seeded 8-bit noise, so the PNG sizes are the same on every run. */
function noise(count: number, seed: number): number[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => random.byte());
}

describe("roi-images on a full disk", () => {
  let disk: SmallDisk;
  let requestFile: string;
  let filler: string;
  beforeEach(async () => {
    disk = mountSmallDisk(512);
    writeDicoms(
      [...SMALL, LARGE].map((i, n) => ({
        path: path.join(disk.dir, dicomOf(i)),
        rows: i.rows,
        columns: i.columns,
        values: noise(i.rows * i.columns, n + 1),
        bits: 8,
      })),
    );
    // train.txt lists the small images first: in one thread they are written before the large one fails.
    const labels = path.join(disk.dir, "labels");
    await mkdir(labels);
    await writeFile(path.join(labels, "train.txt"), [...SMALL, LARGE].map((i) => `images/${pngName(i)}`).join("\n"));
    await writeFile(path.join(labels, "val.txt"), "");
    // The request lives off the small disk, as a pod's ConfigMap does.
    requestFile = `${disk.dir}-request.json`;
    // Fill the disk to ROOM_LEFT bytes free (tmpfs counts whole pages; ROOM_LEFT is a multiple of 4 KiB).
    const info = await statfs(disk.dir);
    filler = path.join(disk.dir, "filler.bin");
    await writeFile(filler, Buffer.alloc(info.bavail * info.bsize - ROOM_LEFT));
  });
  afterEach(async () => {
    await rm(requestFile, { force: true });
    disk.unmount();
  });

  const run = async (workers: number) => {
    await makeStageRequest("roi-images")
      .owner("RoiDetectorTraining", "det")
      .input("labels", "labels")
      .input("dicom", "train_images")
      .parameters({ workers })
      .write(requestFile);
    const logs: string[] = [];
    const code = await runStage(TS_STAGES, "roi-images", requestFile, {
      storageRoot: disk.dir,
      log: (line) => logs.push(line),
      print: () => {},
    });
    // Read when asserted: a run that left the disk full has no result.json, and the listing says why.
    const result = async () =>
      StageResult.parse(JSON.parse(await readFile(path.join(disk.dir, OUTPUT, "result.json"), "utf8")));
    return { code, result, logs };
  };
  const images = async () => (await readdir(path.join(disk.dir, OUTPUT, "images"))).sort();
  /** A PNG that is there is whole: it decodes to the image's size, with the DICOM's noise (min-max of 0..255 keeps it). */
  const expectWhole = async (i: (typeof SMALL)[number], seed: number) => {
    const png = decodePng(await readFile(path.join(disk.dir, OUTPUT, "images", pngName(i))));
    expect([png.width, png.height, png.channels, png.depth]).toEqual([i.columns, i.rows, 1, 8]);
    const values = noise(i.rows * i.columns, seed);
    const [low, high] = [Math.min(...values), Math.max(...values)];
    expect([...(png.data as Uint8Array)]).toEqual(values.map((v) => Math.trunc(((v - low) / (high - low)) * 255)));
  };

  it("in one thread: OutOfSpace naming the image that did not fit, the PNGs before it kept whole", async () => {
    const { code, logs, ...failed } = await run(1);
    expect(code, logs.join("\n")).toBe(EXIT_RETRYABLE_FAILURE);
    // No partial PNG of the large image, no temporary file: the small ones and the failure report only.
    expect(await images()).toEqual([...SMALL.map(pngName), "failures.jsonl"].sort());
    const result = await failed.result();
    expect(result.outcome).toBe("Failed");
    expect(result.error?.reason).toBe("OutOfSpace");
    expect(result.error?.message).toMatch(
      new RegExp(`^cannot write the PNG of ${dicomOf(LARGE)} into ${OUTPUT}/images: ENOSPC: no space left on device`),
    );
    expect(result.error?.file).toBe(path.join(disk.dir, dicomOf(LARGE)));
    expect(result.metrics).toEqual({ images: 3, written: 2, missing: 0, failed: 1 });
    for (const [n, i] of SMALL.entries()) await expectWhole(i, n + 1);
    const report = (await readFile(path.join(disk.dir, OUTPUT, "images/failures.jsonl"), "utf8")).trim().split("\n");
    expect(report.map((line) => JSON.parse(line).file)).toEqual([dicomOf(LARGE)]);

    // With room again the same request runs again (a Failed result is never reused) and succeeds.
    await rm(filler);
    const retry = await run(1);
    expect(retry.code, retry.logs.join("\n")).toBe(0);
    expect((await retry.result()).metrics).toEqual({ images: 3, written: 3, missing: 0, failed: 0 });
    expect(await images()).toEqual([...SMALL, LARGE].map(pngName).concat("failures.jsonl").sort());
  });

  it("on worker threads: OutOfSpace, and every PNG left is whole (which small one fits first is a race)", async () => {
    const { code, logs, ...failed } = await run(2);
    expect(code, logs.join("\n")).toBe(EXIT_RETRYABLE_FAILURE);
    const left = await images();
    expect(left).not.toContain(pngName(LARGE));
    expect(left.filter((name) => name !== "failures.jsonl" && !SMALL.map(pngName).includes(name))).toEqual([]);
    const result = await failed.result();
    expect(result.error?.reason).toBe("OutOfSpace");
    expect(result.error?.message).toContain("ENOSPC: no space left on device");
    for (const [n, i] of SMALL.entries()) if (left.includes(pngName(i))) await expectWhole(i, n + 1);
    expect(result.metrics.written).toBe(left.length - 1);
  });
});
