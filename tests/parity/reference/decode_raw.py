"""Reference decoder for the parity tests: stored values of each DICOM file through pydicom 3
with each installed decoding plugin (GDCM, pylibjpeg, pyjpegls, pydicom's own native/RLE), and
GDCM called directly ("gdcm-direct") for 12-bit JPEG Extended, which pydicom's GDCM plugin refuses
by a version check although the GDCM wheel decodes it (its 12-bit IJG build).

Usage: decode_raw.py OUT_DIR FILE...   (or FILE list on stdin when no FILE is given)
Writes OUT_DIR/<index>.<plugin>.bin (little-endian stored values in pydicom's dtype) and prints
one JSON line per file: {"file", "frame", "syntax" (the meta header's, "" when it has none),
"results": {plugin: {"dtype", "shape", "sha256", "bin"} | {"error"}}}.
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


def decode_gdcm_direct(path: str) -> np.ndarray:
    """The first frame through gdcm.ImageReader, in the dtype of the image's pixel format."""
    import gdcm

    reader = gdcm.ImageReader()
    reader.SetFileName(path)
    if not reader.Read():
        raise ValueError("GDCM cannot read the file")
    image = reader.GetImage()
    buffer = image.GetBuffer()
    if not buffer:
        raise ValueError("GDCM decoded no pixels")
    # GDCM's Python binding hands the bytes over as a str; pydicom's plugin undoes it the same way.
    data = buffer.encode("utf-8", "surrogateescape")
    fmt = image.GetPixelFormat()
    dtype = {(8, 0): "<u1", (8, 1): "<i1", (16, 0): "<u2", (16, 1): "<i2"}[
        (fmt.GetBitsAllocated(), fmt.GetPixelRepresentation())
    ]
    rows, cols = image.GetDimension(1), image.GetDimension(0)
    samples = fmt.GetSamplesPerPixel()
    count = rows * cols * samples
    arr = np.frombuffer(data, dtype)[:count]
    return arr.reshape((rows, cols, samples) if samples > 1 else (rows, cols))


def wants_gdcm_direct(path: str) -> bool:
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    syntax = getattr(ds.file_meta, "TransferSyntaxUID", None)
    return syntax == "1.2.840.10008.1.2.4.51" and int(ds.get("BitsStored", 8)) > 8


def main() -> None:
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    files = sys.argv[2:] or [line.strip() for line in sys.stdin if line.strip()]
    for index, path in enumerate(files):
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
            frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
            syntax = str(getattr(ds.file_meta, "TransferSyntaxUID", "") or "")
        except Exception as error:  # noqa: BLE001 - the reference reports, the test decides
            print(json.dumps({"file": path, "results": {"header": {"error": str(error)}}}), flush=True)
            continue
        frame = 0 if frames > 1 else None
        results: dict[str, dict] = {}
        plugins = [*PLUGINS, "gdcm-direct"] if frame is None and wants_gdcm_direct(path) else PLUGINS
        for plugin in plugins:
            try:
                raw = decode_gdcm_direct(path) if plugin == "gdcm-direct" else decode(path, plugin, frame)
                arr = np.ascontiguousarray(raw)
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
        print(json.dumps({"file": path, "frame": frame, "syntax": syntax, "results": results}), flush=True)


if __name__ == "__main__":
    main()
