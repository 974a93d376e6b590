// A host folder holding the files the stage-python build installs (the wheels of
// jobs/python/requirements.lock, the runtime lock with hashes, yolox's source archive) and a pip.conf that points pip at it
// alone (no-index): the build mounts it and sets PIP_CONFIG_FILE. pip's own HTTP cache cannot do
// this here: this network's proxy drops the caching headers, so every cold build would download
// the ~4 GB of torch and CUDA wheels again. The wheels are fetched by the Python base image's own
// pip (so they are those it would pick); when fetching fails, the pip.conf is left empty and the
// build's pip uses the index as in production.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "./manifest.ts";
import { imageId, podmanStreamed } from "./podman.ts";

export const MAMMOFLOW_CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "mammoflow");
export const WHEELHOUSE = path.join(MAMMOFLOW_CACHE, "wheels");
/** Where the build sees the wheelhouse, and the pip.conf it points PIP_CONFIG_FILE at. */
export const WHEELHOUSE_MOUNT = "/wheels";
export const WHEELHOUSE_PIP_CONF = `${WHEELHOUSE_MOUNT}/pip.conf`;
const LOCK = "jobs/python/requirements.lock";

/** Downloads `name==version`'s source archive into the wheelhouse, from PyPI's simple index (its
 * JSON form, PEP 691: what pip reads), checking its sha256. */
async function fetchSdist(spec: string): Promise<void> {
  const [name, version] = spec.split("==");
  const response = await fetch(`https://pypi.org/simple/${name}/`, {
    headers: { accept: "application/vnd.pypi.simple.v1+json" },
  });
  if (!response.ok) throw new Error(`PyPI ${name}: HTTP ${response.status}`);
  const index = (await response.json()) as { files: { filename: string; url: string; hashes: { sha256?: string } }[] };
  const sdist = index.files.find((f) => f.filename === `${name}-${version}.tar.gz`);
  if (!sdist?.hashes.sha256) throw new Error(`PyPI ${spec}: no source archive with a sha256`);
  const target = path.join(WHEELHOUSE, sdist.filename);
  if (existsSync(target)) return;
  const body = Buffer.from(await (await fetch(sdist.url)).arrayBuffer());
  if (createHash("sha256").update(body).digest("hex") !== sdist.hashes.sha256) {
    throw new Error(`${sdist.filename}: sha256 mismatch`);
  }
  writeFileSync(`${target}.tmp-${process.pid}`, body);
  renameSync(`${target}.tmp-${process.pid}`, target);
}

/** The lock's wheels plus `extraWheels` (specs) via the Python base's pip, and `sdists` from PyPI. */
export async function syncWheelhouse(pythonBase: string, extraWheels: string[], sdists: string[]): Promise<void> {
  const stamp = createHash("sha256")
    .update(readFileSync(path.join(REPO_ROOT, LOCK)))
    .update([...extraWheels, "--", ...sdists].join("\n"))
    .update(imageId(pythonBase))
    .digest("hex")
    .slice(0, 16);
  const stampFile = path.join(WHEELHOUSE, `.synced-${stamp}`);
  const pipConf = path.join(WHEELHOUSE, "pip.conf");
  mkdirSync(WHEELHOUSE, { recursive: true });
  if (!existsSync(stampFile)) {
    writeFileSync(pipConf, "# wheelhouse incomplete: pip uses the index\n");
    process.stderr.write(`images: fetching the files of ${LOCK} into ${WHEELHOUSE} (only those it lacks)\n`);
    try {
      // Two downloads: the lock carries hashes, and pip then demands one for every requirement
      // on its command line, which the extra wheels (specs without hashes) do not have.
      for (const requirements of [["-r", "/requirements.lock"], extraWheels]) {
        if (requirements.length === 0) continue;
        await podmanStreamed(
          [
            "run",
            "--rm",
            "--volume",
            `${WHEELHOUSE}:${WHEELHOUSE_MOUNT}`,
            "--volume",
            `${path.join(REPO_ROOT, LOCK)}:/requirements.lock:ro`,
            pythonBase,
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-cache-dir",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            WHEELHOUSE_MOUNT,
            ...requirements,
          ],
          "wheelhouse",
        );
      }
      for (const spec of sdists) await fetchSdist(spec);
      writeFileSync(stampFile, `${new Date().toISOString()}\n`);
    } catch (error) {
      process.stderr.write(`images: wheelhouse incomplete (${(error as Error).message}); pip will use the index\n`);
      return;
    }
  }
  writeFileSync(pipConf, `[global]\nno-index = true\nfind-links = ${WHEELHOUSE_MOUNT}\n`);
}
