#!/usr/bin/env bash
# Installs everything the tests and the demo need, from the lockfiles: npm packages (without
# onnxruntime-node's CUDA download, which needs a host this machine may not reach) and a Python
# virtual environment for jobs/python with pinned versions.
set -euo pipefail
cd "$(dirname "$0")/.."

export ONNXRUNTIME_NODE_INSTALL=skip
echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
echo "setup: installing jobs/python (pinned: jobs/python/requirements.lock)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r jobs/python/requirements.lock
# yolox 0.3.0 pins onnx==1.8.1 (does not build on Python 3.11), so it goes in without its metadata
# dependencies (the real ones are in the lock); it compiles one C++ op against the installed torch.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation yolox==0.3.0
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e jobs/python
# Test tools from Debian: lua5.1 runs the Argo CD health checks (Argo CD's gopher-lua is Lua 5.1);
# chromium renders report.html in its test (driven by playwright-core).
DEBIAN_TOOLS=(lua5.1 chromium)
missing=()
for tool in "${DEBIAN_TOOLS[@]}"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: apt-get install ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: please install ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]}); the tests need them" >&2
    exit 1
  fi
fi
# helm, built from its Go module (no binary downloads here), for the chart's lint/template tests.
HELM_VERSION=v4.3.1
# (A module build reports only "v4.3" as its version, so the built version is recorded beside it.)
if [ ! -x .tools/bin/helm ] || [ "$(cat .tools/helm.version 2>/dev/null)" != "$HELM_VERSION" ]; then
  echo "setup: building helm $HELM_VERSION into .tools/bin (Go module build, cached by Go)"
  GOBIN="$PWD/.tools/bin" GOFLAGS=-trimpath go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  echo "$HELM_VERSION" > .tools/helm.version
fi
# The cluster tests' control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# simulated nodes) from the Kubernetes Go modules; skipped when tests/cluster/.bin has it already.
echo "setup: building the test control plane (tests/cluster/controlplane, cached by source hash and Go)"
npm run --silent cluster:build
echo "setup: done"
