#!/usr/bin/env bash
# Installs the Debian packages only the tests need (apt-get, as root). Its own script because
# .ci/run installs them before it starts building the stage images in the background: that build
# runs mmdebstrap, and an apt-get install beside it on a fresh machine failed (dpkg could not find
# the archives apt had staged under /tmp), so every apt-get of the run happens before it starts.
set -euo pipefail

# Test tools from Debian: lua5.1 runs the Argo CD health checks (Argo CD's gopher-lua is Lua 5.1);
# chromium renders report.html in its test (driven by playwright-core); python3-sklearn is
# scikit-learn 1.2.1 (Debian 12) for /usr/bin/python3, the seed's version, which the CV split
# test (jobs/python/tests/test_cv_split.py) runs to compute the seed's folds; dcmtk's dcmcjpeg
# writes the 12-bit lossy JPEG fixtures of the DICOM parity suite (GDCM cannot write them);
# dcmtk's dcmcjpeg/dcmcjpls/dcmcrle and libgdcm-tools' gdcmconv write the toolkit variants of the
# synthetic mammograms (tests/fixtures/dicom/make_toolkit_variants.py).
DEBIAN_TOOLS=(lua5.1 chromium)
missing=()
for tool in "${DEBIAN_TOOLS[@]}"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
/usr/bin/python3 -I -c "import sklearn" 2>/dev/null || missing+=(python3-sklearn)
command -v dcmcjpeg >/dev/null || missing+=(dcmtk)
command -v gdcmconv >/dev/null || missing+=(libgdcm-tools)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup:test: apt-get install ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup:test: please install ${missing[*]} (Debian/Ubuntu: sudo apt-get install ${missing[*]}); the tests need them" >&2
    exit 1
  fi
fi
