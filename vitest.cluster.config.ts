import { defineConfig } from "vitest/config";

// The cluster suite: one real control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, simulated A100 nodes) for all files, started by the global setup; files run
// one after another because they share the simulated nodes' GPUs.
export default defineConfig({
  test: {
    include: ["tests/cluster/**/*.test.ts"],
    globalSetup: ["tests/cluster/support/global-setup.ts"],
    testTimeout: 240_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    pool: "forks",
  },
});
