import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Files in name order: they share one control plane, so runs are reproducible. */
class ByName extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => a.moduleId.localeCompare(b.moduleId));
  }
}

// The cluster suite: one real control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, simulated A100 nodes) for all files, started by the global setup; files run
// one after another because they share the simulated nodes' GPUs.
export default defineConfig({
  test: {
    include: ["tests/cluster/**/*.test.ts"],
    globalSetup: ["tests/support/build-js.ts", "tests/cluster/support/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    sequence: { sequencer: ByName },
    pool: "forks",
  },
});
