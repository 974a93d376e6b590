import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/**
 * Whether this machine has an NVIDIA GPU the stages could use, decided once per run:
 * $MAMMOFLOW_LOCAL_GPU (1/true or 0/false) when set — what tests and a user with an unusual
 * device layout say — else the driver's first device node, which exists exactly when the kernel
 * driver has found a GPU (no process start, unlike `nvidia-smi -L`).
 */
export function hostHasGpu(
  env: NodeJS.ProcessEnv = process.env,
  exists: (file: string) => boolean = existsSync,
): boolean {
  const override = env.MAMMOFLOW_LOCAL_GPU?.trim().toLowerCase();
  if (override === "1" || override === "true") return true;
  if (override === "0" || override === "false") return false;
  return exists("/dev/nvidia0");
}

/**
 * Whether build-engine can build TensorRT engines here: $MAMMOFLOW_LOCAL_TENSORRT (1/true or
 * 0/false) when set, else whether the stages' Python finds the `tensorrt` package, which
 * build-engine builds with (TensorRT's Python builder, not trtexec). Asked only when a run plans
 * an engine on a machine with a GPU: it starts a Python process.
 */
export function hostHasTensorRT(
  python: string,
  env: NodeJS.ProcessEnv = process.env,
  probe: (python: string) => boolean = pythonFindsTensorRT,
): boolean {
  const override = env.MAMMOFLOW_LOCAL_TENSORRT?.trim().toLowerCase();
  if (override === "1" || override === "true") return true;
  if (override === "0" || override === "false") return false;
  return probe(python);
}

function pythonFindsTensorRT(python: string): boolean {
  const found = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('tensorrt') else 1)";
  return spawnSync(python, ["-c", found], { stdio: "ignore", timeout: 30_000 }).status === 0;
}
