// .images/images.json: what `npm run images:build` last built, for the cluster tests (which load
// the images into their node's containerd) and anyone who needs the exact references.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const MANIFEST_FILE = path.join(REPO_ROOT, ".images", "images.json");

export type ImageName = "operator" | "stage-ts" | "stage-python";
export const IMAGE_NAMES: readonly ImageName[] = ["operator", "stage-ts", "stage-python"];

export interface BuiltImage {
  name: ImageName;
  /** localhost/mammoflow/NAME:HASH (the content-hash tag; `:dev` points at the same image). */
  ref: string;
  repository: string;
  tag: string;
  /** sha256 (hex) of the Dockerfile, build arguments, base image IDs and copied context files. */
  contentHash: string;
  /** podman's image ID (hex, no `sha256:` prefix). */
  imageId: string;
  sizeBytes: number;
  dockerfile: string;
  buildArgs: Record<string, string>;
  builtAt: string;
}

export interface ImagesManifest {
  images: Partial<Record<ImageName, BuiltImage>>;
}

/** The images of the last builds, by name (empty when none was built). */
export function readBuiltImages(file = MANIFEST_FILE): Partial<Record<ImageName, BuiltImage>> {
  if (!existsSync(file)) return {};
  return (JSON.parse(readFileSync(file, "utf8")) as ImagesManifest).images;
}

/** Records `built` in the manifest, keeping the other images' entries. */
export function recordBuiltImages(built: BuiltImage[], file = MANIFEST_FILE): void {
  const images = readBuiltImages(file);
  for (const image of built) images[image.name] = image;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify({ images } satisfies ImagesManifest, null, 2)}\n`);
  renameSync(tmp, file);
}
