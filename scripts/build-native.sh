#!/usr/bin/env bash
# Builds mammoflow's optional native JPEG 2000 decoder (jobs/ts/dicom/codecs/native/openjpeg-addon.c,
# a Node-API binding to the system's OpenJPEG) into build/native/openjpeg.node. Without it JPEG 2000
# decodes with OpenJPEG's WASM build, bit-identically but about 1.4x slower per core and on one
# thread. Never fails setup: when a part is missing it says which and leaves WASM in use.
#   MAMMOFLOW_NATIVE=0     skip the build
#   CC=...                 the C compiler (default cc)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=build/native/openjpeg.node
SRC=jobs/ts/dicom/codecs/native/openjpeg-addon.c
if [ "${MAMMOFLOW_NATIVE:-1}" = 0 ]; then
  echo "setup: native OpenJPEG decoder skipped (MAMMOFLOW_NATIVE=0); JPEG 2000 decodes with WASM"
  exit 0
fi
skip() {
  echo "setup: native OpenJPEG decoder not built: $1; JPEG 2000 decodes with WASM"
  exit 0
}

# The newest OpenJPEG 2.x headers (Debian keeps old ones in openjpeg-2.1 for other packages).
openjpeg_header() { { ls -d /usr/include/openjpeg-2.*/openjpeg.h /usr/local/include/openjpeg-2.*/openjpeg.h 2>/dev/null || true; } | sort -V | tail -1; }
if [ -z "$(openjpeg_header)" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup: installing libopenjp2-7-dev (apt) for the native JPEG 2000 decoder"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopenjp2-7-dev; } \
    >/dev/null 2>&1 || skip "apt-get could not install libopenjp2-7-dev"
fi
HEADER=$(openjpeg_header)
[ -n "$HEADER" ] || skip "OpenJPEG's headers are missing (install libopenjp2-7-dev)"
CC=${CC:-cc}
command -v "$CC" >/dev/null || skip "no C compiler ($CC)"
# Node's own headers sit beside its binary (/usr/bin/node -> /usr/include/node).
NODE_INCLUDE=$(node -p 'require("path").resolve(process.execPath, "../../include/node")')
[ -f "$NODE_INCLUDE/node_api.h" ] || skip "Node's headers are missing ($NODE_INCLUDE/node_api.h)"

mkdir -p "$(dirname "$OUT")"
TMP="$OUT.tmp-$$"
if ! "$CC" -O2 -Wall -Wextra -shared -fPIC -I"$NODE_INCLUDE" -I"$(dirname "$HEADER")" "$SRC" -lopenjp2 -o "$TMP"; then
  rm -f "$TMP"
  skip "the compiler failed (see above)"
fi
mv "$TMP" "$OUT"
VERSION=$(node -e 'console.log(require(process.argv[1]).version())' "$PWD/$OUT") || { rm -f "$OUT"; skip "the built addon does not load"; }
echo "setup: native OpenJPEG $VERSION decoder built ($OUT)"
