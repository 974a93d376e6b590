#!/usr/bin/env bash
# Per-image CPU time of the JPEG 2000 libraries on the benchmark mammograms (3000x2400, lossless,
# 12 and 14 bits): OpenJPEG (build/native/openjpeg.node's library) and Grok, each through
# tests/bench/j2k-library-bench.c, and pydicom + GDCM (the Python side of bench:decode and
# bench:startup). The figures behind docs/decisions/0007. A benchmark, not a test.
#   BENCH_THREADS="1 2"   thread counts for the two C libraries
#   BENCH_REPEATS=5       decodes per file; the median is printed
# Needs cc, libopenjp2-7-dev and libgrokj2k1-dev (Debian), the .venv and the benchmark studies
# (tests/fixtures/dicom/generated/bench, made by npm run bench:decode or bench:startup).
set -euo pipefail
cd "$(dirname "$0")/../.."

STUDIES=tests/fixtures/dicom/generated/bench
PYTHON=.venv/bin/python
for need in "$STUDIES/manifest.json:the benchmark studies (npm run bench:startup makes them)" \
  "$PYTHON:the Python environment (npm run setup)" \
  "/usr/include/grok-10.0/grok.h:Grok's headers (apt-get install libgrokj2k1-dev)"; do
  [ -e "${need%%:*}" ] || { echo "j2k-library-bench: missing ${need#*:}" >&2; exit 2; }
done
OPENJPEG_INCLUDE=$(ls -d /usr/include/openjpeg-2.*/openjpeg.h 2>/dev/null | sort -V | tail -1 | xargs -r dirname)
[ -n "$OPENJPEG_INCLUDE" ] || { echo "j2k-library-bench: missing OpenJPEG's headers (libopenjp2-7-dev)" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cc -O2 -Wall -Wextra -I"$OPENJPEG_INCLUDE" tests/bench/j2k-library-bench.c -lopenjp2 -o "$WORK/openjpeg"
cc -O2 -Wall -Wextra -DWITH_GROK -I/usr/include/grok-10.0 tests/bench/j2k-library-bench.c -lgrokj2k -o "$WORK/grok"

# The frames' codestreams as the decoders receive them (the DICOM files hold one frame each).
mapfile -t DICOMS < <(ls "$STUDIES"/*.1.2.840.10008.1.2.4.90.dcm)
"$PYTHON" - "$WORK" "${DICOMS[@]}" <<'EOF'
import pathlib, sys
import pydicom
from pydicom.encaps import generate_frames
out = pathlib.Path(sys.argv[1])
for name in sys.argv[2:]:
    frame = next(generate_frames(pydicom.dcmread(name).PixelData, number_of_frames=1))
    (out / (pathlib.Path(name).stem + ".j2k")).write_bytes(frame)
EOF

REPEATS=${BENCH_REPEATS:-5}
for threads in ${BENCH_THREADS:-1 2}; do
  "$WORK/openjpeg" "$threads" "$REPEATS" "$WORK"/*.j2k
  "$WORK/grok" "$threads" "$REPEATS" "$WORK"/*.j2k
done

# pydicom + GDCM in one process, file read and dataset parse included (what bench:decode times).
"$PYTHON" - "$REPEATS" "${DICOMS[@]}" <<'EOF'
import resource, statistics, sys, time, warnings
import gdcm, pydicom
from pydicom.pixels import pixel_array
warnings.simplefilter("ignore")
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
for name in sys.argv[2:]:
    cpus, walls = [], []
    for _ in range(int(sys.argv[1])):
        c, w = cpu(), time.perf_counter()
        total = int(pixel_array(pydicom.dcmread(name), decoding_plugin="gdcm").sum(dtype="int64"))
        cpus.append(cpu() - c)
        walls.append(time.perf_counter() - w)
    print(f"gdcm      {gdcm.Version.GetVersion():<8} threads -  CPU s {statistics.median(cpus):.3f}  "
          f"wall s {statistics.median(walls):.3f}  sum {total}  {name}")
EOF
