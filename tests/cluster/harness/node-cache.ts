// Where the real node keeps what outlives a test run: containerd's root (the imported images, so
// they are imported once, not per run), the static programs and image archives built for it, and
// which podman image each loaded name came from. Git ignores it; deleting it only costs time.
import path from "node:path";
import { CLUSTER_DIR } from "./binary.ts";

export const NODE_CACHE_DIR = path.join(CLUSTER_DIR, ".node");
export const CONTAINERD_ROOT = path.join(NODE_CACHE_DIR, "containerd");
export const PROGRAMS_DIR = path.join(CLUSTER_DIR, "programs");
