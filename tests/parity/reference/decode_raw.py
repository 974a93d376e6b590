"""Reference decoder for the parity tests: stored values of each DICOM file through pydicom 3
with each installed decoding plugin (GDCM, pylibjpeg, pyjpegls, pydicom's own native/RLE).

Usage: decode_raw.py OUT_DIR FILE...   (or FILE list on stdin when no FILE is given)
Writes OUT_DIR/<index>.<plugin>.bin (little-endian stored values in pydicom's dtype) and prints
one JSON line per file: {"file", "results": {plugin: {"dtype", "shape", "sha256"} | {"error"}}}.
"""

import hashlib
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixels import pixel_array

PLUGINS = ["gdcm", "pylibjpeg", "pyjpegls", "pydicom"]


def decode(path: str, plugin: str, frame: int | None) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        return pixel_array(ds, index=frame, decoding_plugin=plugin)


def main() -> None:
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    files = sys.argv[2:] or [line.strip() for line in sys.stdin if line.strip()]
    for index, path in enumerate(files):
        try:
            frames = int(getattr(pydicom.dcmread(path, stop_before_pixels=True), "NumberOfFrames", 1) or 1)
        except Exception as error:  # noqa: BLE001 - the reference reports, the test decides
            print(json.dumps({"file": path, "results": {"header": {"error": str(error)}}}), flush=True)
            continue
        frame = 0 if frames > 1 else None
        results: dict[str, dict] = {}
        for plugin in PLUGINS:
            try:
                arr = np.ascontiguousarray(decode(path, plugin, frame))
            except Exception as error:  # noqa: BLE001
                results[plugin] = {"error": f"{type(error).__name__}: {error}"[:300]}
                continue
            data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
            (out_dir / f"{index}.{plugin}.bin").write_bytes(data)
            results[plugin] = {
                "dtype": arr.dtype.name,
                "shape": list(arr.shape),
                "sha256": hashlib.sha256(data).hexdigest(),
                "bin": str(out_dir / f"{index}.{plugin}.bin"),
            }
        print(json.dumps({"file": path, "frame": frame, "results": results}), flush=True)


if __name__ == "__main__":
    main()
