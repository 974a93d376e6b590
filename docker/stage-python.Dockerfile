# Python stage image: `python -m mammoflow_jobs NAME --request FILE` (detector and fold training,
# CV split, checkpoint selection, ONNX export, TensorRT engines). PyPI's torch wheel is the CUDA
# build and brings its CUDA libraries; TensorRT comes from PyPI too.
# Build from the repository root:  docker build -f docker/stage-python.Dockerfile -t mammoflow/stage-python:0.1.0 .
# Build arguments (defaults = production; docker/README.md): PYTHON_IMAGE, TENSORRT_PACKAGE,
# PIP_NO_CACHE_DIR, PIP_CONFIG_FILE.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE}
# TensorRT's Python package (over 1 GB; the build-engine stage needs it); empty: not installed.
ARG TENSORRT_PACKAGE=tensorrt-cu13==11.4.0.106
# pip keeps no cache in the image. An empty value lets pip use a cache mounted by the builder
# (`--volume HOST_CACHE:/root/.cache/pip`, as npm run images:build does); the image is the same.
ARG PIP_NO_CACHE_DIR=1
# Unset in production. A pip.conf of the builder's (npm run images:build: one that points pip at a
# mounted folder holding the same files as the index, fetched once).
ARG PIP_CONFIG_FILE
ENV PIP_NO_CACHE_DIR=${PIP_NO_CACHE_DIR} PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY jobs/python/requirements.lock ./jobs/python/requirements.lock
# The runtime lock only (no test tools), every file checked against its sha256 in the lock.
RUN pip install --require-hashes -r jobs/python/requirements.lock \
 && if [ -n "$TENSORRT_PACKAGE" ]; then pip install "$TENSORRT_PACKAGE"; fi
# yolox 0.3.0 goes in as scripts/setup.sh installs it: without its metadata dependencies (it pins
# onnx==1.8.1, which does not build on Python 3.11; the real ones are in the lock) and against the
# installed torch, compiling one C++ op. The compilers are removed again in the same layer.
RUN savedAptMark="$(apt-mark showmanual)" \
 && apt-get update \
 && apt-get install -y --no-install-recommends gcc g++ libc6-dev \
 && pip install --no-deps --no-build-isolation yolox==0.3.0 \
 && apt-mark auto '.*' > /dev/null \
 && apt-mark manual $savedAptMark > /dev/null \
 && apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false \
 && rm -rf /var/lib/apt/lists/*
COPY jobs/python ./jobs/python
RUN pip install --no-deps --no-build-isolation ./jobs/python
COPY assets/data ./assets/data
RUN useradd --uid 1000 --create-home --shell /usr/sbin/nologin mammoflow
# uid 1000 with a read-only root file system on the cluster: HOME and caches go to the /tmp emptyDir.
ENV HOME=/tmp XDG_CACHE_HOME=/tmp/.cache
USER 1000:1000
# Every module the stages import must import here (torch, yolox, onnx, timm, ...): a missing or
# broken dependency fails the build, not a Job. (With a scratch HOME and TMPDIR, removed after:
# what the imports write there stays out of the image.)
RUN scratch="$(mktemp -d)" \
 && HOME="$scratch" TMPDIR="$scratch" XDG_CACHE_HOME="$scratch/.cache" python -m mammoflow_jobs.image_check \
 && rm -rf "$scratch"
ENTRYPOINT ["python", "-m", "mammoflow_jobs"]
CMD ["--list"]
