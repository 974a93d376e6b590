import { z } from "zod";

/**
 * Where a training stage runs. Absent means Cuda, and no default is written into the spec: the
 * stage requests (and their digests) of every existing resource stay what they were.
 */
export const TrainingDevice = z
  .enum(["Cuda", "Cpu"])
  .optional()
  .describe(
    "Where training runs. Cuda (what absent means): the stage fails, naming this field, when no CUDA device is usable, rather than training on the CPU. Cpu: train on the CPU, for toy runs only (a seed-sized run takes weeks there).",
  );
