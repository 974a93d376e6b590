#!/usr/bin/env bash
# Builds mammoflow's optional native decoders into build/native/ (Node-API bindings in
# jobs/ts/dicom/codecs/native/):
#   openjpeg.node  JPEG 2000 with the system's OpenJPEG (libopenjp2-7-dev)
#   ljpeg.node     JPEG Lossless with DCMTK's IJG build (libdcmtk-dev)
#   pixels.node    the whole-image loops of the conversions and of decode's PNGs (no library)
# Without them the same codecs decode with WASM / JavaScript, bit-identically but slower (JPEG 2000
# about 1.4x per core and single-threaded, JPEG Lossless about 3x). Never fails setup: when a part
# is missing it says which and leaves the portable decoder in use.
#   MAMMOFLOW_NATIVE=0   skip the build
#   CC=... CXX=...       the compilers (default cc, c++)
set -euo pipefail
cd "$(dirname "$0")/.."

OUT_DIR=build/native
SRC_DIR=jobs/ts/dicom/codecs/native
if [ "${MAMMOFLOW_NATIVE:-1}" = 0 ]; then
  echo "setup: native decoders skipped (MAMMOFLOW_NATIVE=0); JPEG 2000 and JPEG Lossless decode with WASM/JS"
  exit 0
fi

# The newest OpenJPEG 2.x headers (Debian may keep an empty openjpeg-2.1 folder beside them).
openjpeg_include() {
  { ls -d /usr/include/openjpeg-2.*/openjpeg.h /usr/local/include/openjpeg-2.*/openjpeg.h 2>/dev/null || true; } \
    | sort -V | tail -1 | xargs -r dirname
}
dcmtk_include() { [ -f /usr/include/dcmtk/dcmjpeg/djdijg16.h ] && echo /usr/include; }

# Debian and Ubuntu: install the development packages when this runs as root.
missing=()
[ -n "$(openjpeg_include)" ] || missing+=(libopenjp2-7-dev)
[ -n "$(dcmtk_include || true)" ] || missing+=(libdcmtk-dev)
command -v "${CXX:-c++}" >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "setup: installing ${missing[*]} (apt) for the native decoders"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    >/dev/null 2>&1 || echo "setup: apt-get could not install ${missing[*]}"
fi

# Node's own headers sit beside its binary (/usr/bin/node -> /usr/include/node).
NODE_INCLUDE=$(node -p 'require("path").resolve(process.execPath, "../../include/node")')
mkdir -p "$OUT_DIR"

# build NAME COMPILER SOURCE INCLUDE LIBS...: compile to a temporary file, load it, then rename.
build() {
  local name=$1 compiler=$2 source=$3 include=$4
  shift 4
  local out="$OUT_DIR/$name.node" tmp="$OUT_DIR/$name.node.tmp-$$"
  local skip="setup: native $name addon not built:"
  if [ ! -f "$NODE_INCLUDE/node_api.h" ]; then echo "$skip Node's headers are missing ($NODE_INCLUDE/node_api.h)"; return; fi
  if [ -z "$include" ]; then echo "$skip its library's headers are missing"; return; fi
  if ! command -v "$compiler" >/dev/null; then echo "$skip no compiler ($compiler)"; return; fi
  if ! "$compiler" -O2 -Wall -Wextra -shared -fPIC -I"$NODE_INCLUDE" -I"$include" "$SRC_DIR/$source" "$@" -o "$tmp"; then
    rm -f "$tmp"
    echo "$skip the compiler failed (see above)"
    return
  fi
  local version
  if ! version=$(node -e 'const m = { exports: {} }; process.dlopen(m, process.argv[1]); console.log(m.exports.version())' "$PWD/$tmp"); then
    rm -f "$tmp"
    echo "$skip the built addon does not load"
    return
  fi
  mv "$tmp" "$out"
  echo "setup: native $name addon built ($version, $out)"
}

build openjpeg "${CC:-cc}" openjpeg-addon.c "$(openjpeg_include)" -lopenjp2
build ljpeg "${CXX:-c++}" ljpeg-addon.cc "$(dcmtk_include || true)" \
  -ldcmjpeg -lijg8 -lijg12 -lijg16 -ldcmimgle -ldcmdata -loflog -lofstd
# -O3: GCC vectorises the kernels' row and checksum loops only at -O3.
build pixels "${CC:-cc}" pixels-addon.c "$NODE_INCLUDE" -O3
