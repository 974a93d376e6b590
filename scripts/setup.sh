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
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e jobs/python
# Test tools from Debian: lua5.1 runs the Argo CD health checks (Argo CD's gopher-lua is Lua 5.1).
DEBIAN_TOOLS=(lua5.1)
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
echo "setup: done"
