import { describe, expect, it } from "vitest";
import type { ModelsRecord } from "../../../jobs/ts/report/models-record.ts";
import { isDemoModel, provenanceOf } from "../../../jobs/ts/report/provenance.ts";

const record = (detectorSha: string, detectorSource: string): ModelsRecord => ({
  detector: {
    file: "d.onnx",
    sha256: detectorSha.repeat(64),
    card: { architecture: "yolox-nano", source: detectorSource },
  },
  classifier: { file: "e.onnx", sha256: "e".repeat(64) },
  versions: { mammoflow: "0.1.0" },
});

describe("report provenance", () => {
  it("marks the bundled demo checkpoints (or a card saying demo) and nothing else", () => {
    expect(isDemoModel({ source: "yolox_nano_roi.pth" })).toBe(true);
    expect(isDemoModel({ sources: ["convnext_fold_0.pth.tar", "convnext_fold_1.pth.tar"] })).toBe(true);
    expect(isDemoModel({ demo: true, sources: ["anything.pth"] })).toBe(true);
    // The winner's files, a Full run's, a mix, no card at all.
    expect(isDemoModel({ source: "yolox_nano_416_roi_torch.pth" })).toBe(false);
    expect(isDemoModel({ sources: ["best_convnext_fold_0.pth.tar"] })).toBe(false);
    expect(isDemoModel({ source: "best_ckpt.pth" })).toBe(false);
    expect(isDemoModel({ sources: ["convnext_fold_0.pth.tar", "best_convnext_fold_1.pth.tar"] })).toBe(false);
    expect(isDemoModel({})).toBe(false);
    expect(isDemoModel(undefined)).toBe(false);
  });

  it("takes the first shard's models and says when shards disagree or nothing was recorded", () => {
    const digests = { requestDigest: "c".repeat(64) };
    const same = provenanceOf(
      [
        { file: "p/0/models.json", record: record("a", "yolox_nano_roi.pth") },
        { file: "p/1/models.json", record: record("a", "yolox_nano_roi.pth") },
      ],
      digests,
      "2026-12-02T00:00:00.000Z",
    );
    expect(same.models.map((m) => [m.role, m.demo, m.summary])).toEqual([
      ["detector", true, "yolox-nano · from yolox_nano_roi.pth"],
      ["classifier", false, "no model card"],
    ]);
    expect(same.notes).toEqual([]);
    expect(same.requestDigest).toBe("c".repeat(64));
    const differ = provenanceOf(
      [
        { file: "p/0/models.json", record: record("a", "best_ckpt.pth") },
        { file: "p/1/models.json", record: record("b", "best_ckpt.pth") },
      ],
      {},
      "2026-12-02T00:00:00.000Z",
    );
    expect(differ.notes).toEqual([
      "p/1/models.json names other models than p/0/models.json: the shards were scored with different models",
    ]);
    expect(provenanceOf([], {}, "2026-12-02T00:00:00.000Z").notes).toEqual([
      "the predictions carry no models.json (made before it was recorded): models unknown",
    ]);
  });
});
