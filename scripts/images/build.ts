// npm run images:build [-- --only NAME[,NAME]] [--with-tensorrt] [--no-cache]
// Builds the operator and stage images from docker/*.Dockerfile with podman, on locally made
// bases, as localhost/mammoflow/NAME:HASH and :dev, HASH covering everything the image is made
// from (context-hash.ts): an image whose tag exists is not rebuilt (--no-cache: rebuilt without
// podman's layer cache, e.g. to time a cold build). Writes .images/images.json.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Bases } from "./bases.ts";
import { acquireBuildLock } from "./build-lock.ts";
import { imageContentHash } from "./context-hash.ts";
import { type ImageSpec, imageSpecs, productionNodeVersion } from "./images.ts";
import {
  type BuiltImage,
  IMAGE_NAMES,
  type ImageName,
  MANIFEST_FILE,
  REPO_ROOT,
  recordBuiltImages,
} from "./manifest.ts";
import { imageExists, imageId, imageSize, podmanStreamed, pruneOldBuilds, tag } from "./podman.ts";

const REPOSITORY = "localhost/mammoflow";
const HASH_LABEL = "io.mammoflow.content-hash";

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const megabytes = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

async function buildImage(spec: ImageSpec, bases: Bases, noCache: boolean): Promise<BuiltImage> {
  const started = Date.now();
  const baseRefs: Record<string, string> = {};
  const baseIds: Record<string, string> = {};
  for (const [arg, kind] of Object.entries(spec.bases)) {
    baseRefs[arg] = await bases.get(kind);
    baseIds[arg] = imageId(baseRefs[arg]);
  }
  const buildArgs = { ...baseRefs, ...spec.args };
  const { hash, files } = imageContentHash({ contextDir: REPO_ROOT, dockerfile: spec.dockerfile, buildArgs, baseIds });
  const repository = `${REPOSITORY}/${spec.name}`;
  const hashTag = hash.slice(0, 16);
  const ref = `${repository}:${hashTag}`;
  if (imageExists(ref) && !noCache) {
    process.stderr.write(`images: ${spec.name}: ${ref} is up to date (${files} context files hashed)\n`);
  } else {
    process.stderr.write(`images: ${spec.name}: building ${ref} from ${spec.dockerfile} (${files} context files)\n`);
    for (const volume of spec.volumes) mkdirSync(volume.split(":")[0] as string, { recursive: true });
    await spec.prepare?.(baseRefs);
    await podmanStreamed(
      [
        "build",
        "--pull=never",
        ...(noCache ? ["--no-cache"] : []),
        "-f",
        spec.dockerfile,
        ...Object.entries(buildArgs).flatMap(([name, value]) => ["--build-arg", `${name}=${value}`]),
        ...spec.volumes.flatMap((volume) => ["--volume", volume]),
        "--label",
        `${HASH_LABEL}=${hash}`,
        "-t",
        ref,
        REPO_ROOT,
      ],
      spec.name,
    );
  }
  tag(ref, `${repository}:dev`);
  const removed = pruneOldBuilds(repository, ref);
  if (removed.length > 0) process.stderr.write(`images: ${spec.name}: removed older builds ${removed.join(", ")}\n`);
  const sizeBytes = imageSize(ref);
  process.stderr.write(`images: ${spec.name}: ${ref} (:dev) ready in ${seconds(started)}, ${megabytes(sizeBytes)}\n`);
  return {
    name: spec.name,
    ref,
    repository,
    tag: hashTag,
    contentHash: hash,
    imageId: imageId(ref),
    sizeBytes,
    dockerfile: spec.dockerfile,
    buildArgs,
    builtAt: new Date().toISOString(),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string", multiple: true },
      "with-tensorrt": { type: "boolean", default: false },
      "no-cache": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `usage: npm run images:build [-- --only ${IMAGE_NAMES.join("|")}[,...]] [--with-tensorrt] [--no-cache]\n`,
    );
    return 0;
  }
  const only = (values.only ?? []).flatMap((v) => v.split(",")).filter(Boolean);
  const unknown = only.filter((name) => !IMAGE_NAMES.includes(name as ImageName));
  if (unknown.length > 0) {
    process.stderr.write(`images: unknown image ${unknown.join(", ")} (one of ${IMAGE_NAMES.join(", ")})\n`);
    return 2;
  }
  const specs = imageSpecs({ withTensorrt: values["with-tensorrt"] }).filter(
    (spec) => only.length === 0 || only.includes(spec.name),
  );
  const release = await acquireBuildLock(path.join(REPO_ROOT, ".images", "build.lock"));
  const started = Date.now();
  const bases = new Bases(productionNodeVersion());
  const built: BuiltImage[] = [];
  try {
    for (const spec of specs) {
      built.push(await buildImage(spec, bases, values["no-cache"]));
      recordBuiltImages(built.slice(-1));
    }
  } finally {
    release();
  }
  const total = built.reduce((sum, image) => sum + image.sizeBytes, 0);
  process.stderr.write(
    `images: ${built.length} image(s) in ${seconds(started)}, ${megabytes(total)} in all; ${MANIFEST_FILE}\n`,
  );
  for (const image of built) process.stdout.write(`${image.name}\t${image.ref}\t${image.imageId}\n`);
  return 0;
}

process.exitCode = await main();
