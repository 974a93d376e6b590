"""Python side of `npm run bench:decode`: decode the same files with pydicom 3 and one plugin
(GDCM or pylibjpeg), in one process and in a pool of processes, and print images per second.

Usage: decode_bench.py [--once] [--png DIR] PLUGIN PROCESSES FILE...
  → one JSON line {"plugin", "processes", "images", "seconds"}

--once decodes each file exactly once with no untimed warm-up: what a user's script does, for
benchmarks that time the whole process (start-up included) from outside.
--png DIR also writes each decoded image as DIR/<stem>.png, a 16-bit grayscale PNG of the stored
values by cv2.imwrite with its defaults (zlib level 1, Z_RLE): how a user's script keeps what it
decoded, the counterpart of the PNG `mammoflow decode` writes (there 8-bit, rendered).
"""

import json
import os
import sys
import time
import warnings
from multiprocessing import Pool

import pydicom
from pydicom.pixels import pixel_array


def decode(args: tuple[str, str, str | None]) -> int:
    path, plugin, png_dir = args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pixels = pixel_array(pydicom.dcmread(path), decoding_plugin=plugin)
    if png_dir is not None:
        import cv2  # imported by main before the pool starts: the forked processes have it

        stem = os.path.splitext(os.path.basename(path))[0]
        if not cv2.imwrite(os.path.join(png_dir, f"{stem}.png"), pixels):
            raise RuntimeError(f"cv2.imwrite could not write {stem}.png")
    return int(pixels.size)


def main() -> None:
    args = sys.argv[1:]
    once = args[:1] == ["--once"]
    if once:
        args = args[1:]
    png_dir = None
    if args[:1] == ["--png"]:
        png_dir, args = args[1], args[2:]
        import cv2  # noqa: F401  (a user's script imports it at the top)
    plugin, processes, files = args[0], int(args[1]), args[2:]
    if not once:
        decode((files[0], plugin, png_dir))  # load the plugin before timing
    start = time.perf_counter()
    if processes == 1:
        for f in files:
            decode((f, plugin, png_dir))
    else:
        with Pool(processes) as pool:
            pool.map(decode, [(f, plugin, png_dir) for f in files], chunksize=1)
    seconds = time.perf_counter() - start
    print(json.dumps({"plugin": plugin, "processes": processes, "images": len(files), "seconds": seconds}))


if __name__ == "__main__":
    main()
