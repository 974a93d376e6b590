// Mounts the real node leaves behind when it is stopped with pods still on it (emptyDir tmpfs,
// sandbox /dev/shm, network namespaces): unmounted at stop, so the run's folder can be deleted.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Mount points at or under `dir`, deepest first (mountinfo escapes spaces as octal). */
export function mountsUnder(dir: string, mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const prefix = dir.endsWith("/") ? dir : `${dir}/`;
  return mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point !== undefined)
    .map((point) =>
      point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8))),
    )
    .filter((point) => point === dir || point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts everything under `dir`; a busy mount is detached lazily rather than left. */
export function unmountUnder(dir: string): void {
  for (const point of mountsUnder(dir)) {
    try {
      execFileSync("umount", [point], { stdio: "ignore" });
    } catch {
      try {
        execFileSync("umount", ["-l", point], { stdio: "ignore" });
      } catch {
        // Already gone with its parent.
      }
    }
  }
}
