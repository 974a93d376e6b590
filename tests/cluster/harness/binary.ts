// Builds the control-plane binary (tests/cluster/controlplane) once per source state: the
// binary's name carries a hash of go.mod, go.sum and the Go files, so an unchanged module is
// never relinked, and Go's build cache makes a changed one quick after the first build.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CLUSTER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MODULE_DIR = path.join(CLUSTER_DIR, "controlplane");
const BIN_DIR = path.join(CLUSTER_DIR, ".bin");
export const KUBERNETES_VERSION = "v1.36.3";

function sourceHash(): string {
  const hash = createHash("sha256");
  const files = readdirSync(MODULE_DIR)
    .filter((f) => f === "go.mod" || f === "go.sum" || f.endsWith(".go"))
    .sort();
  for (const f of files) hash.update(f).update(readFileSync(path.join(MODULE_DIR, f)));
  return hash.digest("hex").slice(0, 12);
}

/** Path of the built binary (building it when needed; prints progress on stderr). */
export function controlPlaneBinary(): string {
  const binary = path.join(BIN_DIR, `controlplane-${sourceHash()}`);
  if (existsSync(binary)) return binary;
  mkdirSync(BIN_DIR, { recursive: true });
  const [major, minor] = KUBERNETES_VERSION.slice(1).split(".");
  const ldflags = [
    "-s -w",
    `-X k8s.io/component-base/version.gitMajor=${major}`,
    `-X k8s.io/component-base/version.gitMinor=${minor}`,
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
    "-X k8s.io/component-base/version.gitTreeState=clean",
  ].join(" ");
  process.stderr.write(`cluster: building the control plane (${KUBERNETES_VERSION}) into ${binary}\n`);
  const started = Date.now();
  const partial = `${binary}.partial`;
  execFileSync("nice", ["-n", "10", "go", "build", "-trimpath", "-ldflags", ldflags, "-o", partial, "."], {
    cwd: MODULE_DIR,
    stdio: ["ignore", "inherit", "inherit"],
  });
  renameSync(partial, binary);
  process.stderr.write(`cluster: built in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return binary;
}
