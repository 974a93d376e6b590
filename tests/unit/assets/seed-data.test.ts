import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

const LABELS = "assets/data/roi_det_yolov5_format";

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8")).split("\n").filter((l) => l.trim() !== "");
}

// docs/seed-pipeline.md#detector-labels: 571 images, one box each, 521 train / 50 val.
describe("bundled seed breast-box labels", () => {
  it("have 521 training and 50 validation images, each with one label file", async () => {
    const train = await lines(`${LABELS}/train.txt`);
    const val = await lines(`${LABELS}/val.txt`);
    expect(train).toHaveLength(521);
    expect(val).toHaveLength(50);
    const labelFiles = new Set(await readdir(`${LABELS}/labels`));
    expect(labelFiles.size).toBe(571);
    for (const entry of [...train, ...val]) {
      expect(entry).toMatch(/^images\/\d+@\d+\.png$/);
      expect(labelFiles.has(entry.replace(/^images\//, "").replace(/\.png$/, ".txt"))).toBe(true);
    }
    expect(await lines(`${LABELS}/classes.txt`)).toEqual(["ROI"]);
  });

  it("hold exactly one normalised class-0 box per image", async () => {
    for (const name of await readdir(`${LABELS}/labels`)) {
      const boxes = await lines(`${LABELS}/labels/${name}`);
      expect(boxes, name).toHaveLength(1);
      const [cls, ...values] = (boxes[0] ?? "").trim().split(/\s+/).map(Number);
      expect(cls).toBe(0);
      expect(values).toHaveLength(4);
      for (const v of values) expect(v).toBeGreaterThanOrEqual(0);
      for (const v of values) expect(v).toBeLessThanOrEqual(1);
    }
  });

  it("carry the checked-in cleaned labels with the seed's row counts", async () => {
    expect(await lines("assets/data/bmcd_cleaned_label.csv")).toHaveLength(329);
    expect(await lines("assets/data/cmmd_cleaned_label.csv")).toHaveLength(5203);
  });
});
