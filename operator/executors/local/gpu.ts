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
