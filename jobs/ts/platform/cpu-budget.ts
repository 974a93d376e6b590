import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

/**
 * Cores a CPU quota allows: cgroup v2 `cpu.max` ("max 100000" or "QUOTA PERIOD"), or cgroup v1's
 * `cpu.cfs_quota_us` and `cpu.cfs_period_us` (quota −1: none). Rounded up: 1.5 cores keep two
 * threads busy part of the time. Undefined when there is no quota or the text is not one.
 */
export function quotaCores(v2CpuMax: string | undefined, v1Quota?: string, v1Period?: string): number | undefined {
  const fromPair = (quota: number, period: number) =>
    Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0
      ? Math.max(1, Math.ceil(quota / period))
      : undefined;
  if (v2CpuMax !== undefined) {
    const [quota, period] = v2CpuMax.trim().split(/\s+/);
    if (quota === "max") return undefined;
    return fromPair(Number(quota), Number(period));
  }
  if (v1Quota === undefined || v1Period === undefined) return undefined;
  return fromPair(Number(v1Quota.trim()), Number(v1Period.trim()));
}

const readOrUndefined = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
};

let budget: number | undefined;

/**
 * How many threads this process can keep busy: Node's `availableParallelism()` (cores and CPU
 * affinity), capped by the container's CPU quota, which Node does not see. A pod with a 2-CPU limit
 * on a 64-core node gets 2, not 64, decoding workers and OpenJPEG threads.
 */
export function cpuBudget(): number {
  if (budget === undefined) {
    const quota = quotaCores(
      readOrUndefined("/sys/fs/cgroup/cpu.max"),
      readOrUndefined("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
      readOrUndefined("/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
    );
    budget = Math.min(availableParallelism(), quota ?? Number.POSITIVE_INFINITY);
  }
  return budget;
}
