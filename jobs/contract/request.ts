import { z } from "zod";
import { StageName } from "./stages.ts";

export const STAGE_API_VERSION = "mammoflow.io/stage/v1";

/** Relative path under the storage root; never absolute, never escaping it. */
export const RelativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !`/${p}/`.includes("/../"), {
    message: "must be relative to the storage root and must not contain '..'",
  })
  .describe("Path relative to the storage root.");

/** The resource a stage works for. */
export const StageOwner = z
  .object({
    kind: z.string().min(1).describe("Kind of the resource, e.g. ClassifierFold."),
    namespace: z.string().min(1).describe("Namespace of the resource ('local' for the local runner)."),
    name: z.string().min(1).describe("Name of the resource."),
    generation: z
      .int()
      .min(0)
      .optional()
      .describe("Unused: requests no longer carry the generation (an edit elsewhere is not a new request)."),
  })
  .describe("The resource this stage runs for.");

export const Shard = z
  .object({
    index: z.int().min(0).describe("0-based shard index (JOB_COMPLETION_INDEX on a cluster)."),
    count: z.int().min(1).describe("Number of shards."),
  })
  .refine((s) => s.index < s.count, { message: "shard index must be smaller than count", path: ["index"] })
  .describe("Which deterministic slice of the work this process does.");

/**
 * What a stage is asked to do (DESIGN.md §4). The runner writes it as canonical JSON (sorted
 * keys); the stage identifies the request by the SHA-256 of the file's bytes.
 */
export const StageRequest = z
  .object({
    apiVersion: z.literal(STAGE_API_VERSION).describe("Version of the stage contract."),
    stage: StageName,
    owner: StageOwner,
    inputs: z
      .record(z.string(), RelativePath)
      .default({})
      .describe("Named input artifacts (files or folders) under the storage root."),
    inputDigests: z
      .record(z.string(), z.string().regex(/^[0-9a-f]{64}$/))
      .optional()
      .describe(
        "Digest of the stage that wrote each input read from a stage folder: its request digest, folded with the digest of the outputs its last run made where the operator knows it (operator/controllers/dependency-views.ts); an input re-made by another request, or made again with other outputs, makes this a new request (and its resume state stale).",
      ),
    parameters: z
      .record(z.string(), z.unknown())
      .default({})
      .describe("Stage-specific parameters; each stage validates its own."),
    outputDir: RelativePath.describe("Folder the stage writes into (result.json last)."),
    shard: Shard.optional(),
  })
  .describe("A stage request.");
export type StageRequest = z.infer<typeof StageRequest>;
