// The pod bridge, made before the kubelet starts so that its gateway address can be the node's
// address: the kubelet refuses a loopback node IP, and the API server needs some address of the
// node to reach it for logs and exec. This one is private to the machine (no masquerading, no
// route to it from outside), unlike the host's own interface.
import { execFileSync } from "node:child_process";
import { POD_BRIDGE, POD_GATEWAY, POD_SUBNET } from "./cni-config.ts";

const ip = (...args: string[]) => execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Creates the bridge with the gateway address the CNI bridge plugin would give it (idempotent). */
export function ensurePodBridge(): string {
  try {
    ip("link", "show", POD_BRIDGE);
  } catch {
    ip("link", "add", POD_BRIDGE, "type", "bridge");
  }
  // Exactly the plugin's own address (gateway/prefix): any other IPv4 address makes it fail.
  const prefix = POD_SUBNET.split("/")[1];
  ip("addr", "replace", `${POD_GATEWAY}/${prefix}`, "dev", POD_BRIDGE);
  ip("link", "set", POD_BRIDGE, "up");
  return POD_GATEWAY;
}
