# TypeScript stage image: `mammoflow stage NAME --request FILE` (decode, ROI, classifier ensemble on
# ONNX Runtime with the CUDA and TensorRT execution providers, dataset preparation, submission).
# Build from the repository root:  docker build -f docker/stage-ts.Dockerfile -t mammoflow/stage-ts:0.1.0 .
ARG NODE_IMAGE=node:22.21.1-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS node

FROM node AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --foreground-scripts

FROM ${CUDA_IMAGE}
# TensorRT runtime libraries for onnxruntime's TensorRT execution provider (NVIDIA's apt repository
# is configured in the CUDA base image).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libnvinfer10 libnvinfer-plugin10 libnvonnxparsers10 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY operator ./operator
COPY jobs/contract ./jobs/contract
COPY jobs/ts ./jobs/ts
COPY assets/data ./assets/data
USER 1000:1000
ENTRYPOINT ["node", "bin/mammoflow.js", "stage"]
