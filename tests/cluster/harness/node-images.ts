// Images for the real node, which cannot pull any: podman's images (`podman save` piped into
// `ctr images import -`) and the scratch images the harness makes itself. Both are imported only
// when containerd's persistent root does not already hold that exact image.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CTR_NAMESPACE, ctr, imageNames, importArchive } from "./ctr.ts";
import { NODE_CACHE_DIR } from "./node-cache.ts";
import { ociArchive } from "./oci-archive.ts";
import { staticBinary } from "./static-binary.ts";

const IMAGES_DIR = path.join(NODE_CACHE_DIR, "images");

/**
 * The reference podman stores a local image under, which is also what the pod spec must say:
 * names without a registry live under localhost/, and a missing tag means latest.
 */
export function localImageName(image: string): string {
  const first = image.split("/")[0] ?? "";
  const hasRegistry = image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const named = hasRegistry ? image : `localhost/${image}`;
  const lastPart = named.split("/").pop() ?? "";
  return lastPart.includes(":") || lastPart.includes("@") ? named : `${named}:latest`;
}

const markerFile = (name: string) =>
  path.join(IMAGES_DIR, `${createHash("sha256").update(name).digest("hex").slice(0, 16)}.json`);

interface Marker {
  name: string;
  source: string;
}

/** Whether the node holds `name` as imported from `source` (a podman image ID or an archive digest). */
function alreadyLoaded(address: string, name: string, source: string): boolean {
  const file = markerFile(name);
  if (!existsSync(file)) return false;
  const marker = JSON.parse(readFileSync(file, "utf8")) as Marker;
  return marker.source === source && imageNames(address).includes(name);
}

function remember(name: string, source: string): void {
  mkdirSync(IMAGES_DIR, { recursive: true });
  writeFileSync(markerFile(name), `${JSON.stringify({ name, source } satisfies Marker)}\n`);
}

const repository = (name: string) => name.slice(0, name.lastIndexOf(":"));

/**
 * Removes what this cache loaded earlier under `name`'s repository with another tag: images are
 * tagged by content hash, a stage image is GBs, and the kubelet's image GC is off, so every
 * rebuilt image would otherwise stay in the persistent root for good. The CRI plugin names each
 * image also by its ID (sha256:<config digest>, which is podman's image ID); that goes too.
 */
function pruneSuperseded(address: string, name: string, source: string): void {
  if (!existsSync(IMAGES_DIR)) return;
  const markers = readdirSync(IMAGES_DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(IMAGES_DIR, f), "utf8")) as Marker);
  for (const old of markers.filter((m) => m.name !== name && repository(m.name) === repository(name))) {
    const sharedId = old.source === source || markers.some((m) => m !== old && m.source === old.source);
    const refs = [old.name, ...(/^[0-9a-f]{64}$/.test(old.source) && !sharedId ? [`sha256:${old.source}`] : [])];
    for (const ref of refs.filter((r) => imageNames(address).includes(r))) {
      ctr(address, ["images", "delete", "--sync", ref]);
    }
    rmSync(markerFile(old.name), { force: true });
  }
}

/**
 * podman's image straight into containerd through a pipe. No archive file: an OCI archive of the
 * 6.7 GB Python stage image needed twice its size in temporary space (podman's layout folder,
 * then the tar) and filled the disk. docker-archive is written layer by layer, so podman buffers
 * one layer at most; containerd keeps the layers it already has (a source-only rebuild adds only
 * the small top layers) and names the image after the archive's RepoTags, checked afterwards.
 */
function streamIntoNode(name: string, address: string): void {
  const script =
    'podman save --quiet --format docker-archive "$1" | ctr --address "$2" --namespace "$3" images import -';
  execFileSync("bash", ["-o", "pipefail", "-c", script, "load-image", name, address, CTR_NAMESPACE], {
    stdio: ["ignore", "ignore", "inherit"],
    timeout: 1_200_000,
  });
  if (!imageNames(address).includes(name)) {
    throw new Error(`podman save ${name} | ctr images import: containerd has no image named ${name} afterwards`);
  }
}

export interface LoadedImage {
  /** The reference to put in a pod spec (with imagePullPolicy Never or IfNotPresent). */
  name: string;
  imported: boolean;
}

/** Loads a podman image into the real node's containerd (at `address`) unless it has it already. */
export function loadImage(podmanImage: string, address: string): LoadedImage {
  const name = localImageName(podmanImage);
  const id = execFileSync("podman", ["image", "inspect", "--format", "{{.Id}}", name], { encoding: "utf8" }).trim();
  if (alreadyLoaded(address, name, id)) return { name, imported: false };
  streamIntoNode(name, address);
  pruneSuperseded(address, name, id);
  remember(name, id);
  return { name, imported: true };
}

/** The name of a program's scratch image (known before containerd runs: its sandbox_image). */
export function programImage(program: string): { name: string; binary: string; hash: string } {
  const binary = staticBinary(program);
  const hash = path.basename(binary).slice(program.length + 1);
  return { name: `localhost/mammoflow-node/${program}:${hash}`, binary, hash };
}

/**
 * Makes (once) and loads a FROM-scratch image holding one static program from
 * tests/cluster/programs, named after the program's hash: the node's sandbox image, and test
 * images that must not depend on any other image build.
 */
export function loadProgramImage(program: string, address: string, user?: string): LoadedImage {
  const { name, binary, hash } = programImage(program);
  if (alreadyLoaded(address, name, hash)) return { name, imported: false };
  mkdirSync(IMAGES_DIR, { recursive: true });
  const archive = path.join(IMAGES_DIR, `${program}-${hash}.tar`);
  if (!existsSync(archive)) {
    const files = [{ path: program, data: readFileSync(binary), mode: 0o755 }];
    writeFileSync(archive, ociArchive({ name, files, entrypoint: [`/${program}`], ...(user ? { user } : {}) }));
  }
  importArchive(address, archive, name);
  pruneSuperseded(address, name, hash);
  remember(name, hash);
  return { name, imported: true };
}
