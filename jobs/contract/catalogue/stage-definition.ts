import type { z } from "zod";

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

/** The language a stage program is written in, which decides its image (DESIGN.md §4). */
export type StageLanguage = "python" | "typescript";

/** The operator configuration's image of each language (config.images). */
export const STAGE_IMAGE = { typescript: "typescriptStage", python: "pythonStage" } as const;

/**
 * A named input: "required" or "optional". A name may hold a placeholder for a family of inputs,
 * `{k}` for a number (`fold{k}`: fold0, fold1, …) or `{name}` for a word (`{name}-labels`).
 */
export type InputPresence = "required" | "optional";

/** The input names a declared name stands for, as a TypeScript type. */
type InputName<K extends string> = K extends `${infer Head}{k}${infer Tail}`
  ? `${Head}${number}${Tail}`
  : K extends `${infer Head}{name}${infer Tail}`
    ? `${Head}${string}${Tail}`
    : K;

/** The request's `inputs` a stage takes: required names must be there, optional ones may. */
export type InputsOf<Declared extends Record<string, InputPresence>> = {
  [K in keyof Declared as Declared[K] extends "required" ? InputName<K & string> : never]: string;
} & {
  [K in keyof Declared as Declared[K] extends "optional" ? InputName<K & string> : never]?: string;
};

/**
 * Everything said about one stage program, once: where it runs, what it reads (its named inputs
 * and its parameters, with their defaults), what it writes, and how a pod of it is sized.
 */
export interface StageDefinition<
  Name extends string = string,
  Inputs extends Record<string, InputPresence> = Record<string, InputPresence>,
  Parameters extends z.ZodType = z.ZodType,
  Language extends StageLanguage = StageLanguage,
> {
  name: Name;
  language: Language;
  /** Its image: the configuration's image of its language (config.images). */
  image: (typeof STAGE_IMAGE)[Language];
  /** The seed's job this stage reproduces (docs/seed-pipeline.md). */
  seedJob: string;
  inputs: Inputs;
  /**
   * The request's `parameters`, with every default the stage runs with: the operator sends them
   * from a defaulted spec, the stages read them through this schema (TypeScript) or the JSON
   * Schema generated from it (Python), so no stage holds a default of its own.
   */
  parameters: Parameters;
  /** Names of the artifacts in its result (placeholders as for inputs: `checkpoint-{k}.pth.tar`). */
  artifacts: readonly string[];
  /** Whether it runs as shards (an Indexed Job; request.shard) over a deterministic slice each. */
  sharded: boolean;
  /** Whether its pods get the pool's GPUs by default. */
  gpu: boolean;
  sizing: StageSizing;
}

/**
 * The key under which a stage's parameter schema carries its declared inputs: the JSON Schema
 * generated for a Python stage is all the catalogue it reads, its inputs included.
 */
export const INPUTS_METADATA_KEY = "x-mammoflow-inputs";

/** Declares a stage, keeping its literal types (name, language, inputs, schema) for the typed requests. */
export function defineStage<
  const Name extends string,
  const Inputs extends Record<string, InputPresence>,
  Parameters extends z.ZodType,
  const Language extends StageLanguage,
>(
  definition: Omit<StageDefinition<Name, Inputs, Parameters, Language>, "image">,
): StageDefinition<Name, Inputs, Parameters, Language> {
  const parameters = definition.parameters.meta({
    ...(definition.parameters.meta() ?? {}),
    [INPUTS_METADATA_KEY]: definition.inputs,
  });
  return { ...definition, parameters, image: STAGE_IMAGE[definition.language] };
}
