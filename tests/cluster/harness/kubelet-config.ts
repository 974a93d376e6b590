// The real node's KubeletConfiguration: what this machine needs (shared/reference/real-kubelet.md)
// and what a throw-away test node should not do (touch the host's folders, evict pods or delete
// images when the host's disk fills, listen on fixed ports).

export interface KubeletSettings {
  /** containerd's socket (CRI runtime and image service). */
  runtimeSocket: string;
  /** The node's address, where the API server reaches the kubelet's API (logs, exec). */
  address: string;
  port: number;
  healthzPort: number;
  podLogsDir: string;
  volumePluginDir: string;
  /** Set when the node registers; pods without a toleration stay off it. */
  registerWithTaints: { key: string; value: string; effect: string }[];
}

export function kubeletConfiguration(s: KubeletSettings): object {
  return {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: s.address,
    port: s.port,
    readOnlyPort: 0,
    healthzBindAddress: "127.0.0.1",
    healthzPort: s.healthzPort,
    // Test-only: the API server reaches the kubelet (logs, exec) without client certificates.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
    authorization: { mode: "AlwaysAllow" },
    containerRuntimeEndpoint: `unix://${s.runtimeSocket}`,
    // This machine: hybrid cgroup v1 without systemd and no control over the host's cgroup tree,
    // so no QoS cgroups and no node-allocatable enforcement; swap may be on.
    cgroupDriver: "cgroupfs",
    failCgroupV1: false,
    cgroupsPerQOS: false,
    enforceNodeAllocatable: [],
    failSwapOn: false,
    // No cluster DNS: pods get an empty resolv.conf rather than the host's.
    resolvConf: "",
    registerWithTaints: s.registerWithTaints,
    podLogsDir: s.podLogsDir,
    volumePluginDir: s.volumePluginDir,
    // The host's disk and memory are shared with everything else: the node must neither evict
    // pods nor reclaim disk by deleting images when the host runs low. Disk-pressure eviction
    // deletes every unused image first, whatever the image GC settings, the sandbox image too
    // (containerd 1.6 does not pin it): seen here while a 7 GB image was being imported. "0%"
    // switches a signal off (containerfs follows nodefs), and a map that is set replaces the
    // defaults rather than merging with them.
    evictionHard: Object.fromEntries(
      ["memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree"].map(
        (signal) => [signal, "0%"],
      ),
    ),
    // 100 turns the periodic image garbage collection off.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    serializeImagePulls: false,
    rotateCertificates: false,
    serverTLSBootstrap: false,
  };
}
