// A real full disk for fault-injection tests: a tmpfs of a few hundred KiB mounted on a fresh
// folder (root only, as CI runs), so writes fail with the kernel's own ENOSPC.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface SmallDisk {
  dir: string;
  unmount: () => void;
}

export function mountSmallDisk(sizeKiB: number): SmallDisk {
  if (process.getuid?.() !== 0) {
    throw new Error("mounting a small tmpfs needs root (CI runs as root): this test injects a real ENOSPC");
  }
  const dir = mkdtempSync(path.join(tmpdir(), "mammoflow-full-disk-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", dir]);
  return {
    dir,
    unmount: () => {
      execFileSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
