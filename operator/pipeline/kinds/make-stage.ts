import { STAGE_CATALOGUE, type StageName } from "../../../jobs/contract/stages.ts";
import type { Placement } from "../../api/common.ts";
import { stageDir } from "../layout.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";

export interface StageOptions {
  inputs?: Record<string, string>;
  parameters?: Record<string, unknown>;
  shards?: number;
  /**
   * Whether its pods get the pool's GPUs when the catalogue's default does not fit the request
   * (prepare-dataset runs its detector on a GPU provider only when asked).
   */
  gpu?: boolean;
}

/** A stage of `resource`: its folder from the layout, GPUs only where the catalogue says so. */
export function makeStage(
  resource: ResourceId,
  placement: Placement,
  id: string,
  stage: StageName,
  options: StageOptions = {},
): StagePlan {
  const catalogue = STAGE_CATALOGUE[stage];
  const resources = placement.resources?.[stage];
  return {
    id,
    stage,
    shards: catalogue.sharded ? (options.shards ?? 1) : 1,
    gpusPerPod: (options.gpu ?? catalogue.gpu) ? placement.gpusPerPod : 0,
    gpuPool: placement.gpuPool,
    ...(resources ? { resources } : {}),
    inputs: options.inputs ?? {},
    parameters: options.parameters ?? {},
    outputDir: stageDir(resource.namespace, resource.kind, resource.name, id),
  };
}

/** The folder of a dependency's stage, which must exist because the dependency is Ready. */
export function dependencyStageDir(
  dependencies: ReadonlyMap<string, Record<string, string>>,
  role: string,
  stageId: string,
): string {
  const dir = dependencies.get(role)?.[stageId];
  if (!dir) throw new Error(`dependency ${role} has no stage ${stageId}`);
  return dir;
}

/**
 * The folder a dependency's model is deployed from: its TensorRT engine's (build-engine, which
 * also holds the ONNX model it was built from) when it built one, else its ONNX export. The
 * classifier ensemble (EngineBuild) and the ROI detector (RoiDetectorTraining) are read alike.
 */
export function deployableModelDir(dependencies: ReadonlyMap<string, Record<string, string>>, role: string): string {
  return dependencies.get(role)?.["build-engine"] ?? dependencyStageDir(dependencies, role, "export-onnx");
}
