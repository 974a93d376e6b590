import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resizeAndPad } from "../../../jobs/ts/classify/classifier-input.ts";
import { ClassifierEnsemble } from "../../../jobs/ts/classify/ensemble.ts";
import { inferenceRuntimeOptions } from "../../../jobs/ts/onnx/options.ts";
import {
  phantomCases,
  phantomImage,
  readUint8,
  scratchDir,
  seedReference,
  type TestModels,
  testModels,
  writeArray,
} from "./support.ts";

// Crops the ROI step produces: larger than the canvas (downscale), smaller (upscale), very
// wide or tall (the fit is decided by the other axis), and the canvas size itself.
const CROPS: [number, number][] = [
  [2801, 1534],
  [1210, 980],
  [700, 1500],
  [97, 61],
  [2048, 1024],
  [1333, 357],
];

describe("P7 classifier input: resize_and_pad on identical float crops", () => {
  it("is byte-identical to torch at 2048×1024 with the same placement", async () => {
    const dir = await scratchDir();
    const cases = await phantomCases(dir, CROPS, "p7", 500, "out.u8");
    const reference = await seedReference<Record<string, number[]>>(dir, {
      op: "resize_and_pad",
      cases,
      canvasHeight: 2048,
      canvasWidth: 1024,
    });
    for (const [i, c] of cases.entries()) {
      const ts = resizeAndPad(phantomImage(c.height, c.width, 500 + i), c.height, c.width, 2048, 1024);
      expect([ts.top, ts.left, ts.resizedHeight, ts.resizedWidth], `${c.height}×${c.width}`).toEqual(
        reference[c.input],
      );
      const expected = await readUint8(dir, c.output);
      let differing = 0;
      for (let k = 0; k < expected.length; k++) if (ts.pixels[k] !== expected[k]) differing++;
      // The spec allows ≤1 LSB on < 0.1 % of pixels (CUDA vs this kernel); against torch's CPU kernel there are none.
      expect(differing, `${c.height}×${c.width}`).toBe(0);
    }
  }, 300_000);
});

describe("P8 classifier ensemble: ONNX Runtime (TS) vs PyTorch fp32 on identical uint8 input", () => {
  let models: TestModels;
  let ensemble: ClassifierEnsemble;
  beforeAll(async () => {
    models = await testModels();
    ensemble = await ClassifierEnsemble.open(models.ensemble, inferenceRuntimeOptions({ threads: 1, batchSize: 3 }));
  }, 600_000);
  afterAll(async () => {
    await ensemble.close();
  });

  it("gives every fold's probability within 1e-4, for a batch of 3 and one by one", async () => {
    const { classifierHeight: h, classifierWidth: w } = models;
    expect([ensemble.inputHeight, ensemble.inputWidth, ensemble.batchSize]).toEqual([h, w, 3]);
    const images = CROPS.slice(0, 3).map(([ch, cw], i) => resizeAndPad(phantomImage(ch, cw, 600 + i), ch, cw, h, w));
    const dir = await scratchDir();
    const stacked = new Uint8Array(images.length * h * w);
    images.forEach((image, i) => {
      stacked.set(image.pixels, i * h * w);
    });
    const reference = await seedReference<{ probabilities: number[][] }>(dir, {
      op: "classifier",
      models: models.dir,
      input: await writeArray(dir, "p8.u8", stacked),
      count: images.length,
      height: h,
      width: w,
    });
    const batched = await ensemble.predictBatch(images);
    const single = await Promise.all(images.map(async (image) => (await ensemble.predictBatch([image]))[0]));
    for (let i = 0; i < images.length; i++) {
      const expected = reference.probabilities[i] as number[];
      expect(expected).toHaveLength(4);
      for (const folds of [batched[i], single[i]] as Float32Array[]) {
        expect(folds).toHaveLength(4);
        for (let k = 0; k < 4; k++)
          expect(Math.abs((folds[k] as number) - (expected[k] as number))).toBeLessThanOrEqual(1e-4);
      }
    }
  }, 300_000);
});
