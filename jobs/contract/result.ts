import { z } from "zod";
import { STAGE_API_VERSION } from "./request.ts";
import { StageName } from "./stages.ts";

/** A stage's result in its output folder, written last (atomically): its presence says the stage finished. */
export const RESULT_FILE = "result.json";

export const ResultArtifact = z
  .object({
    name: z.string().min(1).describe("Artifact name, e.g. detector-onnx."),
    path: z.string().min(1).describe("Path relative to the storage root."),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe("Content hash of a file (absent for folders)."),
    sizeBytes: z.int().min(0).optional().describe("Size of a file in bytes."),
  })
  .describe("A file or folder the stage wrote.");
export type ResultArtifact = z.infer<typeof ResultArtifact>;

export const StageError = z
  .object({
    reason: z
      .enum(["BadRequest", "BadInput", "MissingArtifact", "OutOfSpace", "Internal"])
      .describe("Class of the failure."),
    message: z.string().describe("What went wrong, naming the field or file."),
    file: z.string().optional().describe("The file the error is about, if any."),
  })
  .describe("Why a stage failed.");
export type StageError = z.infer<typeof StageError>;

export const ItemProblem = z
  .object({
    item: z.string().describe("The file or record concerned."),
    message: z.string().describe("What is wrong with it."),
  })
  .describe("A problem with one item that did not fail the stage.");

const Digest = z.string().regex(/^[0-9a-f]{64}$/);

export const ReusedFrom = z
  .object({
    resource: z.string().min(1).describe("Kind/name of the resource whose stage did the work."),
    namespace: z.string().min(1).describe("Its namespace ('local' for the local runner)."),
    stage: z.string().min(1).describe("Its stage folder under the resource's folder, e.g. predict/0."),
    outputDir: z.string().min(1).describe("Folder the outputs were copied from, relative to the storage root."),
  })
  .describe("The stage whose result was copied instead of running again (the result cache, result-cache.ts).");
export type ReusedFrom = z.infer<typeof ReusedFrom>;

/** Written by the stage as `<outputDir>/result.json`, last, by atomic rename. */
export const StageResult = z
  .object({
    apiVersion: z.literal(STAGE_API_VERSION).describe("Version of the stage contract."),
    stage: StageName,
    requestDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .describe("SHA-256 of the request file's bytes; a result is reused only for the same request."),
    outcome: z.enum(["Succeeded", "Failed"]).describe("Final outcome."),
    startedAt: z.iso.datetime({ offset: true }).describe("When the stage started."),
    finishedAt: z.iso.datetime({ offset: true }).describe("When the stage finished."),
    artifacts: z.array(ResultArtifact).default([]).describe("Outputs with content hashes."),
    metrics: z.record(z.string(), z.number()).default({}).describe("Numeric results."),
    problems: z.array(ItemProblem).default([]).describe("Per-item problems that were skipped."),
    error: StageError.optional(),
    inputFingerprints: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        "Content fingerprint of each input when the stage ran (jobs/contract/fingerprints.ts); a result is reused only while they still match.",
      ),
    contentKey: Digest.optional().describe(
      "Key of the result cache: stage, parameters, shard and inputs by content, not paths or owner (reuse-rule.ts).",
    ),
    outputDigest: Digest.optional().describe(
      "Names this execution's outputs; dependants fingerprint their inputs in this folder by it.",
    ),
    reusedFrom: ReusedFrom.optional(),
  })
  .describe("The outcome of a stage.");
export type StageResult = z.infer<typeof StageResult>;
