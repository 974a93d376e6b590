// The real node's pod network: one bridge with host-local addresses on a range private to this
// machine. Not podman's 10.88.0.0/16 (its default network, on the same host) nor the services'
// 10.0.0.0/24; pods reach each other and the host, nothing outside (no masquerading).
export const POD_SUBNET = "10.99.0.0/24";
/** host-local's default gateway (the subnet's first address), on the bridge: also the node's IP. */
export const POD_GATEWAY = "10.99.0.1";
export const POD_BRIDGE = "mammoflow0";

/** The CNI conflist containerd loads from its conf_dir; `ipamDir` keeps the run's leases. */
export function cniConflist(ipamDir: string): object {
  return {
    cniVersion: "1.0.0",
    name: "mammoflow-node",
    plugins: [
      {
        type: "bridge",
        bridge: POD_BRIDGE,
        isGateway: true,
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: POD_SUBNET, gateway: POD_GATEWAY }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: ipamDir,
        },
      },
    ],
  };
}
