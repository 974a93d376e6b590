// Kueue for the cluster suite's queueing tests, built from its Go module like helm (no binary
// downloads): `go install sigs.k8s.io/kueue/cmd/kueue@v0.17.0` into .tools/bin, once. The cold
// build takes about 5 minutes on 2 cores, so `npm run cluster:preload` (which CI runs in the
// background) starts it; a test that finds the build under way waits for it instead of
// compiling a second copy beside it.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CLUSTER_DIR } from "./binary.ts";
import { alive } from "./processes.ts";

export const KUEUE_VERSION = "v0.17.0";
export const KUEUE_MODULE = "sigs.k8s.io/kueue";
const TOOLS_DIR = path.resolve(CLUSTER_DIR, "../../.tools");
/** The version is in the name (a module build reports none), so a new pin is a new file. */
export const KUEUE_BINARY = path.join(TOOLS_DIR, "bin", `kueue-${KUEUE_VERSION}`);
const LOCK_FILE = path.join(TOOLS_DIR, `kueue-${KUEUE_VERSION}.build.lock`);

/** Takes the build lock (file created exclusively); a lock whose builder died is taken over. */
function tryLock(): boolean {
  mkdirSync(TOOLS_DIR, { recursive: true });
  try {
    writeFileSync(LOCK_FILE, String(process.pid), { flag: "wx" });
    return true;
  } catch {
    const holder = Number(readFileSync(LOCK_FILE, "utf8"));
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
    rmSync(LOCK_FILE, { force: true });
    return tryLock();
  }
}

function goInstall(gobin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // nice: the suite's control plane and tests share the 2 cores with a background build.
    const child = spawn("nice", ["-n", "10", "go", "install", `${KUEUE_MODULE}/cmd/kueue@${KUEUE_VERSION}`], {
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, GOBIN: gobin, GOFLAGS: [process.env.GOFLAGS, "-trimpath"].filter(Boolean).join(" ") },
    });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`go install ${KUEUE_MODULE}/cmd/kueue@${KUEUE_VERSION} ended with ${code ?? signal}`)),
    );
  });
}

/**
 * Path of the Kueue binary, building it when it is missing (progress on stderr). Concurrent
 * callers (the background preload and a test) build it once: the one holding the lock builds
 * into a folder of its own and renames the result into place, the others wait for the file.
 */
export async function kueueBinary(waitMs = 20 * 60_000): Promise<string> {
  const deadline = Date.now() + waitMs;
  while (!existsSync(KUEUE_BINARY)) {
    if (tryLock()) {
      try {
        if (!existsSync(KUEUE_BINARY)) await build();
      } finally {
        rmSync(LOCK_FILE, { force: true });
      }
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Kueue ${KUEUE_VERSION} still building by process ${readFileSync(LOCK_FILE, "utf8")} after ${waitMs / 60_000} min (lock ${LOCK_FILE})`,
      );
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  return KUEUE_BINARY;
}

async function build(): Promise<void> {
  process.stderr.write(`cluster: building Kueue ${KUEUE_VERSION} from its Go module into ${KUEUE_BINARY}\n`);
  const started = Date.now();
  const gobin = `${KUEUE_BINARY}.partial-${process.pid}`;
  rmSync(gobin, { recursive: true, force: true });
  try {
    await goInstall(gobin);
    renameSync(path.join(gobin, "kueue"), KUEUE_BINARY);
  } finally {
    rmSync(gobin, { recursive: true, force: true });
  }
  process.stderr.write(`cluster: Kueue built in ${Math.round((Date.now() - started) / 1000)} s\n`);
}
