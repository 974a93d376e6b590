"""Python side of `npm run bench:decode`: decode the same files with pydicom 3 and one plugin
(GDCM or pylibjpeg), in one process and in a pool of processes, and print images per second.

Usage: decode_bench.py [--once] PLUGIN PROCESSES FILE...   → one JSON line {"plugin", "processes", "images", "seconds"}

--once decodes each file exactly once with no untimed warm-up: what a user's script does, for
benchmarks that time the whole process (start-up included) from outside.
"""

import json
import sys
import time
import warnings
from multiprocessing import Pool

import pydicom
from pydicom.pixels import pixel_array


def decode(args: tuple[str, str]) -> int:
    path, plugin = args
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return int(pixel_array(pydicom.dcmread(path), decoding_plugin=plugin).size)


def main() -> None:
    args = sys.argv[1:]
    once = args[:1] == ["--once"]
    if once:
        args = args[1:]
    plugin, processes, files = args[0], int(args[1]), args[2:]
    if not once:
        decode((files[0], plugin))  # load the plugin before timing
    start = time.perf_counter()
    if processes == 1:
        for f in files:
            decode((f, plugin))
    else:
        with Pool(processes) as pool:
            pool.map(decode, [(f, plugin) for f in files], chunksize=1)
    seconds = time.perf_counter() - start
    print(json.dumps({"plugin": plugin, "processes": processes, "images": len(files), "seconds": seconds}))


if __name__ == "__main__":
    main()
