# TypeScript stage image: `mammoflow stage NAME --request FILE` (decode, ROI, classifier ensemble on
# ONNX Runtime with the CUDA and TensorRT execution providers, dataset preparation, submission).
# JPEG 2000 and JPEG Lossless decode with the native addons built in the `native` stage.
# Build from the repository root:  docker build -f docker/stage-ts.Dockerfile -t mammoflow/stage-ts:0.1.0 .
ARG NODE_IMAGE=node:22.21.1-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS node

FROM node AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --foreground-scripts

# The native JPEG 2000 (OpenJPEG) and JPEG Lossless (DCMTK) decoders, against Node's own headers;
# the image must have them: without them decoding falls back to WASM/JS at a third of the speed.
FROM node AS native
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ libc6-dev libopenjp2-7-dev libdcmtk-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY scripts/build-native.sh ./scripts/
COPY jobs/ts/dicom/codecs/native ./jobs/ts/dicom/codecs/native
RUN bash scripts/build-native.sh && test -f build/native/openjpeg.node && test -f build/native/ljpeg.node

FROM ${CUDA_IMAGE}
# TensorRT runtime libraries for onnxruntime's TensorRT execution provider (NVIDIA's apt repository
# is configured in the CUDA base image).
# OpenJPEG and DCMTK: the shared libraries the native decoders link (Ubuntu 24.04 names).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libnvinfer10 libnvinfer-plugin10 libnvonnxparsers10 \
    libopenjp2-7 libdcmtk17t64 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=native /app/build/native ./build/native
COPY package.json ./
COPY bin ./bin
COPY operator ./operator
COPY jobs/contract ./jobs/contract
COPY jobs/ts ./jobs/ts
COPY assets/data ./assets/data
USER 1000:1000
ENTRYPOINT ["node", "bin/mammoflow.js", "stage"]
