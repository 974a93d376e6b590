import { z } from "zod";

/**
 * What one pod of a stage is sized for on a cluster: CPU and memory requests, scratch disk
 * (ephemeral storage: /tmp and the container's writable layer) and the memory-backed /dev/shm.
 * The pod's memory limit is `memory + shm`, because a memory emptyDir is charged to the
 * container's memory cgroup. Quantities are Kubernetes quantities ("4", "500m", "16Gi").
 */
export interface StageSizing {
  cpu: string;
  memory: string;
  ephemeralStorage: string;
  shm: string;
  /** Longest a stage's Job may run (activeDeadlineSeconds) before it counts as stuck. */
  deadlineHours: number;
  /**
   * The pod's terminationGracePeriodSeconds (Kubernetes' default, 30, when absent): how long a
   * stage that saves its state on SIGTERM (train-fold, after its current step) has to do so.
   */
  terminationGraceSeconds?: number;
}

/**
 * Every stage program, with the language image it runs in (DESIGN.md §4) and its default pod
 * sizing. Sizing follows the seed's runs: its data preparation used 4 (J1) and 8 (J3) worker
 * processes, fold training 8 loader workers with batch 8 at 2048×1024 and ran for a day or more
 * per fold on an A100 (8 GPU-days for a full reproduction); the detector trained in hours;
 * everything else is minutes to an hour on the RSNA set. Deadlines leave several times that.
 */
export const STAGE_CATALOGUE = {
  "roi-images": {
    language: "typescript",
    sharded: false,
    gpu: false,
    seedJob: "J1",
    sizing: { cpu: "4", memory: "8Gi", ephemeralStorage: "4Gi", shm: "256Mi", deadlineHours: 6 },
  },
  "roi-dataset": {
    language: "python",
    sharded: false,
    gpu: false,
    seedJob: "J1",
    sizing: { cpu: "1", memory: "2Gi", ephemeralStorage: "2Gi", shm: "256Mi", deadlineHours: 2 },
  },
  "train-detector": {
    language: "python",
    sharded: false,
    gpu: true,
    seedJob: "J2",
    sizing: { cpu: "8", memory: "32Gi", ephemeralStorage: "20Gi", shm: "16Gi", deadlineHours: 48 },
  },
  "export-onnx": {
    language: "python",
    sharded: false,
    gpu: false,
    seedJob: "J2'/J7",
    sizing: { cpu: "2", memory: "8Gi", ephemeralStorage: "8Gi", shm: "256Mi", deadlineHours: 2 },
  },
  "prepare-dataset": {
    language: "typescript",
    sharded: true,
    gpu: false,
    seedJob: "J3",
    sizing: { cpu: "8", memory: "16Gi", ephemeralStorage: "8Gi", shm: "256Mi", deadlineHours: 24 },
  },
  "cv-split": {
    language: "python",
    sharded: false,
    gpu: false,
    seedJob: "J4",
    sizing: { cpu: "1", memory: "2Gi", ephemeralStorage: "2Gi", shm: "256Mi", deadlineHours: 1 },
  },
  "train-fold": {
    language: "python",
    sharded: false,
    gpu: true,
    seedJob: "J5",
    sizing: {
      cpu: "8",
      memory: "48Gi",
      ephemeralStorage: "20Gi",
      shm: "32Gi",
      deadlineHours: 120,
      terminationGraceSeconds: 120,
    },
  },
  "select-checkpoints": {
    language: "python",
    sharded: false,
    gpu: false,
    seedJob: "J6",
    sizing: { cpu: "2", memory: "8Gi", ephemeralStorage: "4Gi", shm: "256Mi", deadlineHours: 2 },
  },
  "build-engine": {
    language: "python",
    sharded: false,
    gpu: true,
    seedJob: "J7",
    sizing: { cpu: "4", memory: "16Gi", ephemeralStorage: "16Gi", shm: "1Gi", deadlineHours: 6 },
  },
  predict: {
    language: "typescript",
    sharded: true,
    gpu: true,
    seedJob: "J8",
    sizing: { cpu: "8", memory: "16Gi", ephemeralStorage: "8Gi", shm: "1Gi", deadlineHours: 12 },
  },
  aggregate: {
    language: "typescript",
    sharded: false,
    gpu: false,
    seedJob: "J8",
    sizing: { cpu: "1", memory: "2Gi", ephemeralStorage: "2Gi", shm: "256Mi", deadlineHours: 1 },
  },
} as const satisfies Record<
  string,
  { language: "python" | "typescript"; sharded: boolean; gpu: boolean; seedJob: string; sizing: StageSizing }
>;

export const StageName = z
  .enum(Object.keys(STAGE_CATALOGUE) as [keyof typeof STAGE_CATALOGUE, ...(keyof typeof STAGE_CATALOGUE)[]])
  .describe("Name of a stage program.");
export type StageName = z.infer<typeof StageName>;

/**
 * The command line that runs a stage, the same in an image and in the local runner (DESIGN.md
 * §4): `mammoflow` is the TypeScript image's command on PATH (the repository's bin/mammoflow.js
 * locally), `python` the Python image's interpreter with mammoflow_jobs installed.
 */
export function stageEntryPoint(stage: StageName): { program: "mammoflow" | "python"; args: string[] } {
  return STAGE_CATALOGUE[stage].language === "typescript"
    ? { program: "mammoflow", args: ["stage", stage] }
    : { program: "python", args: ["-m", "mammoflow_jobs", stage] };
}
