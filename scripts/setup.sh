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
echo "setup: done"
