#!/usr/bin/env bash
# Installs what mammoflow needs to run (the demo, the CLI, the local runner), from the lockfiles:
# npm packages (without onnxruntime-node's CUDA download, which needs a host this machine may not
# reach), the compiled JavaScript the command runs (build/js) and a Python virtual environment for
# jobs/python with pinned versions. The tools only the tests need are installed by
# scripts/setup-test-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export ONNXRUNTIME_NODE_INSTALL=skip
echo "setup: npm ci"
npm ci --no-audit --no-fund --loglevel=error
bash scripts/build-native.sh
# The JavaScript `mammoflow` runs (build/js; bin/mammoflow.js rebuilds it when a source changes).
node scripts/build-js.js

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
# requirements-test.lock is requirements.lock (what the stage image runs) plus the test tools;
# every file is checked against its sha256 in the lock (scripts/lock-python.sh writes both).
echo "setup: installing jobs/python (pinned, hashed: jobs/python/requirements-test.lock)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
  -r jobs/python/requirements-test.lock
# yolox 0.3.0 pins onnx==1.8.1 (does not build on Python 3.11), so it goes in without its metadata
# dependencies (the real ones are in the lock); it compiles one C++ op against the installed torch.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation yolox==0.3.0
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e jobs/python
echo "setup: done"
