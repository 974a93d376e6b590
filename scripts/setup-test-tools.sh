#!/usr/bin/env bash
# Installs what only the tests need, after scripts/setup.sh: Debian tools, helm and the test
# control plane, both built from their Go modules (nothing is downloaded as a binary).
set -euo pipefail
cd "$(dirname "$0")/.."

# Test tools from Debian: lua5.1 runs the Argo CD health checks (Argo CD's gopher-lua is Lua 5.1);
# chromium renders report.html in its test (driven by playwright-core); python3-sklearn is
# scikit-learn 1.2.1 (Debian 12) for /usr/bin/python3, the seed's version, which the CV split
# test (jobs/python/tests/test_cv_split.py) runs to compute the seed's folds; dcmtk's dcmcjpeg
# writes the 12-bit lossy JPEG fixtures of the DICOM parity suite (GDCM cannot write them).
DEBIAN_TOOLS=(lua5.1 chromium)
missing=()
for tool in "${DEBIAN_TOOLS[@]}"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
/usr/bin/python3 -I -c "import sklearn" 2>/dev/null || missing+=(python3-sklearn)
command -v dcmcjpeg >/dev/null || missing+=(dcmtk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup:test: apt-get install ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup:test: please install ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]}); the tests need them" >&2
    exit 1
  fi
fi
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
