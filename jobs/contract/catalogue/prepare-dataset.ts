import { z } from "zod";
import { DatasetSource } from "../parameters/datasets.ts";
import { CropDetectorRuntime } from "../parameters/detector-precision.ts";
import { PixelConversion } from "../parameters/pixels.ts";
import { RoiSelection } from "../parameters/roi.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";

/**
 * Crops and labels the classifier's datasets (seed J3). A shard request crops its slice; a
 * request with `merge: true` (no shard) gathers the `shards` shard folders and writes the label
 * CSVs; a request with neither does both in one process. `{name}-labels` overrides the bundled
 * seed labels of a SeedCheckedIn dataset. A request the stage cannot carry out is refused when it
 * is read: a merge without its shard count, checked-in labels the seed does not have, a dataset
 * listed twice.
 */
export const prepareDataset = defineStage({
  name: "prepare-dataset",
  language: "typescript",
  seedJob: "J3",
  inputs: { detector: "optional", "{name}-labels": "optional" },
  parameters: z
    .object({
      datasets: z.array(DatasetSource).min(1),
      roi: defaulted(RoiSelection),
      runtime: defaulted(CropDetectorRuntime),
      pixels: defaulted(PixelConversion),
      maxErrorFraction: z.number().min(0).max(1).default(0),
      merge: z.boolean().default(false),
      shards: z.int().min(1).optional(),
    })
    .superRefine((p, ctx) => {
      if (p.merge && p.shards === undefined) {
        ctx.addIssue({ code: "custom", path: ["shards"], message: "merge needs the number of shards" });
      }
      for (const [i, d] of p.datasets.entries()) {
        if (d.labels === "SeedCheckedIn" && d.name !== "bmcd" && d.name !== "cmmd") {
          ctx.addIssue({
            code: "custom",
            path: ["datasets", i, "labels"],
            message: `the seed checked in labels only for bmcd and cmmd, not ${d.name}`,
          });
        }
      }
      const names = p.datasets.map((d) => d.name);
      const repeated = names.find((name, i) => names.indexOf(name) !== i);
      if (repeated)
        ctx.addIssue({ code: "custom", path: ["datasets"], message: `dataset ${repeated} is listed twice` });
    }),
  artifacts: ["shard-records", "{name}-labels", "{name}-crops", "report"],
  sharded: true,
  gpu: false,
  sizing: { cpu: "8", memory: "16Gi", ephemeralStorage: "8Gi", shm: "256Mi", deadlineHours: 24 },
});
