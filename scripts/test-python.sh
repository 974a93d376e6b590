#!/usr/bin/env bash
# Lint and test the Python stage package with the virtual environment made by `npm run setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  echo "test:python: .venv is missing; run 'npm run setup' first" >&2
  exit 1
fi
.venv/bin/ruff check jobs/python
.venv/bin/ruff format --check jobs/python
cd jobs/python && ../../.venv/bin/python -m pytest
