// Where the real node keeps what outlives a test run: containerd's root (the imported images, so
// they are imported once, not per run), the static programs and image archives built for it, and
// which podman image each loaded name came from. It lives in the machine's cache, like podman's
// image store and the wheelhouse, not in the checkout: a second checkout of the project (CI's)
// then finds the GBs of stage images already imported instead of importing them again beside
// the first copy. MAMMOFLOW_NODE_CACHE moves it; deleting it only costs time.
import os from "node:os";
import path from "node:path";
import { CLUSTER_DIR } from "./binary.ts";

const machineCache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");

export const NODE_CACHE_DIR = process.env.MAMMOFLOW_NODE_CACHE ?? path.join(machineCache, "mammoflow", "node");
export const CONTAINERD_ROOT = path.join(NODE_CACHE_DIR, "containerd");
export const PROGRAMS_DIR = path.join(CLUSTER_DIR, "programs");
