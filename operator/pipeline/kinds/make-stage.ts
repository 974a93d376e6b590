import {
  STAGE_CATALOGUE,
  type StageInputs,
  type StageName,
  type StageParametersInput,
} from "../../../jobs/contract/stages.ts";
import type { Placement } from "../../api/common.ts";
import { stageDir } from "../layout.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";

/** No inputs or parameters: what a stage that needs none may be given. */
type Nothing = Record<never, never>;

/**
 * What a kind gives a stage, typed by the stage catalogue: the input names the stage declares
 * (a misspelt or missing required input does not compile) and parameters of its schema's shape.
 * Either may be left out where the stage needs none.
 */
export type StageOptions<S extends StageName> = (Nothing extends StageInputs<S>
  ? { inputs?: StageInputs<S> }
  : { inputs: StageInputs<S> }) &
  (Nothing extends StageParametersInput<S>
    ? { parameters?: StageParametersInput<S> }
    : { parameters: StageParametersInput<S> }) & {
    shards?: number;
    /**
     * Whether its pods get the pool's GPUs when the catalogue's default does not fit the request
     * (prepare-dataset runs its detector on a GPU provider only when asked).
     */
    gpu?: boolean;
  };

/** A stage of `resource`: its folder from the layout, GPUs only where the catalogue says so. */
export function makeStage<S extends StageName>(
  resource: ResourceId,
  placement: Placement,
  id: string,
  stage: S,
  options: StageOptions<S>,
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
    // The parameters go out as the kind wrote them (from its defaulted spec), not re-parsed: the
    // request, and so its digest, stays what it was.
    inputs: (options.inputs ?? {}) as Record<string, string>,
    parameters: (options.parameters ?? {}) as Record<string, unknown>,
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
