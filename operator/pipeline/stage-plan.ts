import type { StageName } from "../../jobs/contract/stages.ts";
import type { StageResources } from "../api/settings/stage-resources.ts";

/** The resource a plan is made for (namespace is "local" for the local runner). */
export interface ResourceId {
  kind: string;
  namespace: string;
  name: string;
  generation?: number;
}

/** One stage a resource needs, fully decided: what runs, on which inputs, writing where. */
export interface StagePlan {
  /** Unique within the resource and stable across reconciles, e.g. `train-fold-2`. */
  id: string;
  stage: StageName;
  /** Shards of the stage (an Indexed Job's completions); 1 for unsharded stages. */
  shards: number;
  /** Whether the stage's pods request GPUs (catalogue flag and the resource's gpusPerPod). */
  gpusPerPod: number;
  /** GPU pool of the resource's placement. */
  gpuPool: string;
  /** The resource's own pod-size changes for this stage (spec.placement.resources). */
  resources?: StageResources;
  inputs: Record<string, string>;
  /** Request digest of the stage that wrote each input read from a stage folder (request-digest.ts). */
  inputDigests?: Record<string, string>;
  parameters: Record<string, unknown>;
  /** Folder of the stage under the storage root; shards write into `<outputDir>/<shard>`. */
  outputDir: string;
}

/** Another resource this one reads from, with the role its outputs play here. */
export interface Dependency {
  role: string;
  kind: string;
  name: string;
}

/** What the controller knows about a dependency: whether its outputs exist, and where. */
export interface DependencyView extends Dependency {
  /** Phase of the dependency, absent when it does not exist (yet). */
  phase?: string;
  ready: boolean;
  /** Stage folders of the dependency by stage id (from its status, in pipeline order). */
  stageDirs: Record<string, string>;
  /** Request digests of the dependency's stages by stage id (from its status), where recorded. */
  stageDigests?: Record<string, string>;
  /** Its mammoflow.io/recheck has a value its status has not acted on (pipeline/recheck.ts). */
  recheckPending?: boolean;
}
