// The few podman commands the image builds use (rootful podman with runc: see
// scripts/setup-containers.sh for the containers.conf this machine needs).
import { execFileSync, spawn } from "node:child_process";

/** Runs podman and returns its trimmed stdout (stderr passes through). */
export function podman(args: string[]): string {
  return execFileSync("podman", args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

/** Runs podman with its output shown, prefixed by `label` per line; rejects on a non-zero exit. */
export function podmanStreamed(args: string[], label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("podman", args, { stdio: ["ignore", "pipe", "pipe"] });
    for (const stream of [child.stdout, child.stderr]) {
      let pending = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const lines = (pending + chunk).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) process.stderr.write(`[${label}] ${line}\n`);
      });
      stream.on("end", () => pending && process.stderr.write(`[${label}] ${pending}\n`));
    }
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`podman ${args[0]} (${label}) exited ${code}`)),
    );
  });
}

export function imageExists(ref: string): boolean {
  try {
    execFileSync("podman", ["image", "exists", ref], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The full image ID of a local image. */
export function imageId(ref: string): string {
  return podman(["image", "inspect", "--format", "{{.Id}}", ref]);
}

/** Size in bytes of a local image. */
export function imageSize(ref: string): number {
  return Number(podman(["image", "inspect", "--format", "{{.Size}}", ref]));
}

export function tag(ref: string, ...tags: string[]): void {
  podman(["tag", ref, ...tags]);
}

interface ListedImage {
  Names?: string[];
  Created: number;
}

/**
 * The hash tags of `repository` to drop: all but the `keep` newest besides `current`. A stage
 * image is GBs and every source change makes a new one, so old builds would fill the disk; the
 * newest others stay because another checkout on the machine may be testing one right now.
 */
export function supersededTags(images: readonly ListedImage[], repository: string, current: string, keep: number) {
  const tags = images
    .flatMap((image) => (image.Names ?? []).map((name) => ({ name, created: image.Created })))
    .filter(({ name }) => name.startsWith(`${repository}:`) && name !== current && !name.endsWith(":dev"))
    .sort((a, b) => b.created - a.created);
  return [...new Set(tags.map(({ name }) => name))].slice(keep);
}

/** Removes superseded builds of `repository` and build-cache layers unused for a day. */
export function pruneOldBuilds(repository: string, current: string, keep = 1): string[] {
  const images = JSON.parse(podman(["image", "ls", "--format", "json", repository])) as ListedImage[];
  const old = supersededTags(images, repository, current, keep);
  if (old.length > 0) podman(["rmi", ...old]);
  podman(["image", "prune", "--force", "--filter", "until=24h"]);
  return old;
}
