import type { TestProject } from "vitest/node";
import { type ControlPlane, startControlPlane } from "../harness/control-plane.ts";
import { prepareStageImages, type StageImages } from "./stage-images.ts";

let plane: ControlPlane | undefined;

/**
 * MAMMOFLOW_CLUSTER_REAL_NODE=off runs the suite without the real node (and without building the
 * stage images): for working on tests that need only the control plane and simulated nodes while
 * another run holds the machine's one real node. Tests that need it then fail, saying so.
 */
const withRealNode = process.env.MAMMOFLOW_CLUSTER_REAL_NODE !== "off";

export async function setup(project: TestProject): Promise<void> {
  plane = await startControlPlane({ withNodes: true, realNode: withRealNode });
  project.provide("kubeconfig", plane.kubeconfig);
  project.provide("clusterDir", plane.dir);
  if (plane.realNode) {
    project.provide("realNode", { name: plane.realNode.name, containerdAddress: plane.realNode.containerdAddress });
    try {
      project.provide("stageImages", prepareStageImages(plane.realNode.containerdAddress));
    } catch (error) {
      await plane.stop();
      throw error;
    }
  }
}

export async function teardown(): Promise<void> {
  await plane?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    clusterDir: string;
    /** The real kubelet node (tests/cluster/support/real-node.ts). */
    realNode: { name: string; containerdAddress: string };
    /** The stage images built from docker/, loaded into the real node (support/stage-images.ts). */
    stageImages: StageImages;
  }
}
