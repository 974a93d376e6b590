// The three images as they are built on this machine: each Dockerfile with its production bases
// swapped for the local ones (bases.ts) and the build arguments a local base needs. The
// Dockerfiles' own defaults are the production values; see docker/README.md.
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BaseKind } from "./bases.ts";
import { type ImageName, REPO_ROOT } from "./manifest.ts";
import { MAMMOFLOW_CACHE, syncWheelhouse, WHEELHOUSE, WHEELHOUSE_MOUNT, WHEELHOUSE_PIP_CONF } from "./wheelhouse.ts";

export interface ImageSpec {
  name: ImageName;
  dockerfile: string;
  /** Build arguments that name a base image, and which local base they get. */
  bases: Record<string, BaseKind>;
  /** The other build arguments passed here (values differing from the production defaults). */
  args: Record<string, string>;
  /** Host caches mounted into the build's RUN steps (never part of the image). */
  volumes: string[];
  /** Fills the host caches before a build (given the base references by build argument). */
  prepare?: (bases: Record<string, string>) => Promise<void>;
}

function hostCache(dir: string, containerDir: string): string {
  return `${dir}:${containerDir}`;
}

const npmCache = () => hostCache(process.env.npm_config_cache ?? path.join(os.homedir(), ".npm"), "/root/.npm");
// pip's cache for the image builds: its own, not the host's, since its wheels built from sdists
// (yolox's C++ op) must be built in the image against the image's Python and torch.
const pipCache = () => hostCache(path.join(MAMMOFLOW_CACHE, "pip"), "/root/.cache/pip");

/** The Node version of the production Node base (the NODE_IMAGE default, e.g. node:22.21.1-bookworm-slim). */
export function productionNodeVersion(): string {
  const text = readFileSync(path.join(REPO_ROOT, "docker/operator.Dockerfile"), "utf8");
  const version = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)/m.exec(text)?.[1];
  if (!version) throw new Error("docker/operator.Dockerfile: no ARG NODE_IMAGE=node:X.Y.Z default");
  return version;
}

/** A pip requirement the stage-python Dockerfile names (its TENSORRT_PACKAGE default, the yolox pin). */
function pythonDockerfileSpec(pattern: RegExp): string {
  const text = readFileSync(path.join(REPO_ROOT, "docker/stage-python.Dockerfile"), "utf8");
  const spec = pattern.exec(text)?.[1];
  if (!spec) throw new Error(`docker/stage-python.Dockerfile: nothing matches ${pattern}`);
  return spec;
}

export function imageSpecs(options: { withTensorrt: boolean }): ImageSpec[] {
  return [
    {
      name: "operator",
      dockerfile: "docker/operator.Dockerfile",
      bases: { NODE_IMAGE: "node" },
      args: {},
      volumes: [npmCache()],
    },
    {
      name: "stage-ts",
      dockerfile: "docker/stage-ts.Dockerfile",
      // The runtime stage is plain Debian here (no CUDA, no TensorRT: onnxruntime runs on the CPU).
      bases: { NODE_IMAGE: "node", CUDA_IMAGE: "debian" },
      args: { ONNXRUNTIME_NODE_INSTALL: "skip", RUNTIME_APT_PACKAGES: "libopenjp2-7 libdcmtk17" },
      volumes: [npmCache()],
    },
    {
      name: "stage-python",
      dockerfile: "docker/stage-python.Dockerfile",
      bases: { PYTHON_IMAGE: "python" },
      // An empty PIP_NO_CACHE_DIR lets pip use the mounted cache, PIP_CONFIG_FILE points it at the
      // wheelhouse; TensorRT (>1 GB) only on request.
      args: {
        PIP_NO_CACHE_DIR: "",
        PIP_CONFIG_FILE: WHEELHOUSE_PIP_CONF,
        ...(options.withTensorrt ? {} : { TENSORRT_PACKAGE: "" }),
      },
      volumes: [pipCache(), `${WHEELHOUSE}:${WHEELHOUSE_MOUNT}:ro`],
      prepare: (bases) =>
        syncWheelhouse(
          bases.PYTHON_IMAGE as string,
          options.withTensorrt ? [pythonDockerfileSpec(/^ARG TENSORRT_PACKAGE=(\S+)/m)] : [],
          [pythonDockerfileSpec(/--no-build-isolation (yolox==\S+)/)],
        ),
    },
  ];
}
