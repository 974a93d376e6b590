# TypeScript stage image: `mammoflow stage NAME --request FILE` (decode, ROI, classifier ensemble on
# ONNX Runtime with the CUDA and TensorRT execution providers, dataset preparation, submission).
# JPEG 2000 and JPEG Lossless decode with the native addons built in the `native` stage.
# Build from the repository root:  docker build -f docker/stage-ts.Dockerfile -t mammoflow/stage-ts:0.1.0 .
# Build arguments (defaults = production; docker/README.md): NODE_IMAGE, CUDA_IMAGE,
# ONNXRUNTIME_NODE_INSTALL, RUNTIME_APT_PACKAGES.
ARG NODE_IMAGE=node:22.21.1-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

# (deps and native start from NODE_IMAGE itself, not from the `node` stage: podman/buildah give a
# FROM-only stage a new ID on every build, which would defeat the layer cache of stages built on it.)
FROM ${NODE_IMAGE} AS node

FROM ${NODE_IMAGE} AS deps
# onnxruntime-node's install script: cuda12 downloads the CUDA/TensorRT execution providers;
# skip keeps the CPU-only binaries of the package.
ARG ONNXRUNTIME_NODE_INSTALL=cuda12
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL} npm rebuild onnxruntime-node --foreground-scripts

# The native JPEG 2000 (OpenJPEG) and JPEG Lossless (DCMTK) decoders, against Node's own headers;
# and the pixel kernels; the image must have them: without them decoding falls back to WASM/JS at a third of the speed.
FROM ${NODE_IMAGE} AS native
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ libc6-dev libopenjp2-7-dev libdcmtk-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY scripts/build-native.sh ./scripts/
COPY jobs/ts/dicom/codecs/native ./jobs/ts/dicom/codecs/native
RUN bash scripts/build-native.sh && test -f build/native/openjpeg.node && test -f build/native/ljpeg.node && test -f build/native/pixels.node

# The JavaScript the image runs: scripts/build-js.js compiles the folders copied here (cli/,
# jobs/ts/, jobs/contract/; not operator/, which `mammoflow stage` never loads) into build/js with
# esbuild, a development dependency (hence every dependency here; scripts are not needed). Only
# build/js leaves this stage: the image has neither the TypeScript sources nor tsx.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-js.js ./scripts/
COPY cli ./cli
COPY jobs/contract ./jobs/contract
COPY jobs/ts ./jobs/ts
RUN node scripts/build-js.js && node scripts/build-js.js --check

FROM ${CUDA_IMAGE}
# TensorRT runtime libraries for onnxruntime's TensorRT execution provider (NVIDIA's apt repository
# is configured in the CUDA base image), and OpenJPEG and DCMTK, the shared libraries the native
# decoders link. The default is the Ubuntu 24.04 + NVIDIA list; on a Debian 12 base without CUDA
# pass "libopenjp2-7 libdcmtk17".
ARG RUNTIME_APT_PACKAGES="libnvinfer10 libnvinfer-plugin10 libnvonnxparsers10 libopenjp2-7 libdcmtk17t64"
RUN apt-get update \
 && apt-get install -y --no-install-recommends ${RUNTIME_APT_PACKAGES} \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=native /app/build/native ./build/native
COPY --from=build /app/build/js ./build/js
COPY package.json ./
COPY bin ./bin
COPY assets/data ./assets/data
# Kubernetes Jobs run `mammoflow stage NAME --request FILE` (their command replaces the
# entrypoint), so `mammoflow` is a command on PATH (bin/mammoflow.js starts with #!/usr/bin/env node).
RUN chmod 755 bin/mammoflow.js && ln -s /app/bin/mammoflow.js /usr/local/bin/mammoflow
# uid 1000 with a read-only root file system on the cluster: HOME and caches go to the /tmp emptyDir.
ENV HOME=/tmp XDG_CACHE_HOME=/tmp/.cache
USER 1000:1000
ENTRYPOINT ["mammoflow"]
CMD ["stage", "--list"]
