import { readFileSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readDicom } from "../../../jobs/ts/dicom/index.ts";

const SAMPLES = path.resolve("assets/samples");

function csv(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path.join(SAMPLES, file), "utf8").trim().split("\n");
  const columns = (head as string).split(",");
  return rows.map((row) => Object.fromEntries(row.split(",").map((v, i) => [columns[i], v])));
}

describe("assets/samples: the demo's synthetic studies", () => {
  const tests = csv("test.csv");

  it("test.csv lists 4 patients × L/R × CC/MLO and labels.csv scores every breast", () => {
    expect(tests).toHaveLength(16);
    expect(new Set(tests.map((t) => t.patient_id))).toEqual(new Set(["10001", "10002", "10003", "10004"]));
    const labels = csv("labels.csv");
    expect(new Set(labels.map((l) => l.prediction_id))).toEqual(new Set(tests.map((t) => t.prediction_id)));
    expect(labels.filter((l) => l.cancer === "1").map((l) => l.prediction_id)).toEqual(["10002_R", "10004_L"]);
  });

  it("stay under 2 MB in all (the studies; the demo models in models/ are counted by their own test)", async () => {
    const files = (await readdir(SAMPLES, { recursive: true })).filter((f) => !f.startsWith("models"));
    const bytes = files.map((f) => statSync(path.join(SAMPLES, f))).reduce((n, s) => n + (s.isFile() ? s.size : 0), 0);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it("every image decodes, and its header agrees with test.csv", async () => {
    const seen = { syntaxes: new Set<string>(), photometric: new Set<string>(), functions: new Set<string>() };
    for (const t of tests) {
      const file = path.join(SAMPLES, "test_images", t.patient_id as string, `${t.image_id}.dcm`);
      const image = await readDicom(new Uint8Array(readFileSync(file)));
      expect([image.rows, image.columns, image.format.bitsStored]).toEqual([576, 464, 12]);
      expect([image.header.patientId, image.header.laterality, image.header.viewPosition]).toEqual([
        t.patient_id,
        t.laterality,
        t.view,
      ]);
      seen.syntaxes.add(image.transferSyntax.uid);
      seen.photometric.add(image.header.photometricInterpretation);
      if (image.header.windowCenters.length > 0) seen.functions.add(image.header.voiLutFunction);
    }
    expect(seen.syntaxes).toEqual(new Set(["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"]));
    expect(seen.photometric).toEqual(new Set(["MONOCHROME1", "MONOCHROME2"]));
    expect(seen.functions).toEqual(new Set(["LINEAR", "SIGMOID"]));
  });
});
