import type { TestProject } from "vitest/node";
import { type ControlPlane, startControlPlane } from "../harness/control-plane.ts";

let plane: ControlPlane | undefined;

export async function setup(project: TestProject): Promise<void> {
  plane = await startControlPlane({ withNodes: true });
  project.provide("kubeconfig", plane.kubeconfig);
  project.provide("clusterDir", plane.dir);
}

export async function teardown(): Promise<void> {
  await plane?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    clusterDir: string;
  }
}
