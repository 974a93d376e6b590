"""NumPy reference of the seed's pixel conversions (docs/seed-pipeline.md#windowing), written from the
spec independently of the TypeScript port, on raw values decoded by pydicom (GDCM plugin when
it can, else pydicom's default).

Usage: seed_conversions.py OUT_DIR FILE...   (or the file list on stdin)
For each file writes OUT_DIR/<index>.<output>.bin and prints one JSON line
{"file", "outputs": {name: bin path}, "skipped": {name: reason}}. Outputs:
  yolox_f32   path A step 3: float32 min-max ×255 (int16 torch semantics), 255 − y for MONOCHROME1
  window_u8   path B on the whole image: window #0 (float64 params, float32 ops) or min-max, invert, truncate
  window_f16_u8  the same with centre/width rounded to float16 first (the DALI path)
  window1_u8  window #1 when the file has a second window
  rescale_u8  window after RescaleSlope/Intercept (an option the seed does not use)
  voilut_u8   the first VOI LUT Sequence item instead of the window (an option the seed does not use)
  minmax_u8   path C: float64 min-max on the stored dtype, 1 − v for MONOCHROME1, ×255, truncate
  percentile_u8  path D: astype(uint8)(percentile_min_max_scale(raw) · 255)
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixels import pixel_array

F32 = np.float32


def stored_values(ds: pydicom.Dataset) -> np.ndarray:
    for plugin in ("gdcm", ""):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return pixel_array(ds, decoding_plugin=plugin) if plugin else ds.pixel_array
        except Exception:  # noqa: BLE001, S112 - try the next backend
            continue
    raise RuntimeError("no pydicom plugin decodes this file")


def windows(ds: pydicom.Dataset) -> tuple[list[float], list[float]]:
    if "WindowCenter" not in ds or "WindowWidth" not in ds:
        return [], []

    def as_list(value) -> list[float]:
        return [float(v) for v in value] if isinstance(value, pydicom.multival.MultiValue) else [float(value)]

    return as_list(ds.WindowCenter), as_list(ds.WindowWidth)


def voi_function(ds: pydicom.Dataset) -> str:
    return str(ds.VOILUTFunction).upper() if "VOILUTFunction" in ds else "LINEAR"


def torch_min_max_255(raw16: np.ndarray, invert: bool) -> np.ndarray:
    """min_max_scale on an int16 tensor: int16 subtraction (wraps), true division in float32, ×255."""
    lo, hi = raw16.min(), raw16.max()
    if hi > lo:
        with np.errstate(over="ignore"):
            diff = (raw16 - np.array(lo, np.int16)).astype(np.int16)
            span = np.array([hi], np.int16) - np.array([lo], np.int16)
        scaled = diff.astype(F32) / span.astype(F32)[0]
    else:
        scaled = np.zeros(raw16.shape, F32)
    y = scaled * F32(255)
    return (F32(255) - y) if invert else y


def window(x: np.ndarray, center: float, width: float, function: str) -> np.ndarray:
    """VOI LUT window on float32 pixels with float64 scalars applied as float32, one op at a time."""
    if function == "SIGMOID":
        s = -4.0 / width
        t = (x - F32(center)).astype(F32)
        t = (t * F32(s)).astype(F32)
        return (F32(255) / (F32(1) + np.exp(t))).astype(F32)
    c, w = (center - 0.5, width - 1) if function == "LINEAR" else (center, width)
    slope = 255.0 / w
    offset = (-c / w + 0.5) * 255.0
    y = (x * F32(slope)).astype(F32)
    y = (y + F32(offset)).astype(F32)
    return np.clip(y, F32(0), F32(255))


def window_or_min_max(raw16: np.ndarray, ds, index: int, f16: bool, rescale: bool) -> np.ndarray:
    invert = ds.PhotometricInterpretation == "MONOCHROME1"
    centers, widths = windows(ds)
    if not centers:
        return torch_min_max_255(raw16, invert)
    center, width = centers[index], widths[index]
    if f16:
        center, width = float(np.float16(center)), float(np.float16(width))
    x = raw16.astype(F32)
    if rescale:
        x = (raw16.astype(np.float64) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)).astype(F32)
    y = window(x, center, width, voi_function(ds))
    return (F32(255) - y) if invert else y


def voi_lut(raw16: np.ndarray, ds) -> np.ndarray:
    item = ds.VOILUTSequence[0]
    entries, first, bits = (int(v) for v in item.LUTDescriptor)
    entries = entries or 65536
    little_endian = ds.original_encoding[1] is not False
    table = np.frombuffer(item["LUTData"].value, "<u2" if little_endian else ">u2")[:entries].astype(np.float64)
    index = np.clip(raw16.astype(np.int64) - first, 0, entries - 1)
    y = ((table[index] / (2**bits - 1)).astype(F32) * F32(255)).astype(F32)
    return (F32(255) - y) if ds.PhotometricInterpretation == "MONOCHROME1" else y


def truncate(y: np.ndarray) -> np.ndarray:
    return y.astype(np.uint8)


def legacy_min_max(raw: np.ndarray, invert: bool) -> np.ndarray:
    v = (raw - raw.min()) / (raw.max() - raw.min())
    if invert:
        v = 1 - v
    return (v * 255).astype(np.uint8)


def percentile_min_max(raw: np.ndarray) -> np.ndarray:
    hi = np.percentile(raw, 99) - 1
    lo = raw.min()
    assert hi >= lo
    v = np.clip(raw - lo if hi == lo else (raw - lo) / (hi - lo), 0, 1)  # the seed clips both branches
    return (v * 255).astype(np.uint8)


def outputs_for(ds: pydicom.Dataset) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    raw = stored_values(ds)
    raw16 = raw.astype(np.int16)
    invert = ds.PhotometricInterpretation == "MONOCHROME1"
    out = {
        "yolox_f32": torch_min_max_255(raw16, invert),
        "window_u8": truncate(window_or_min_max(raw16, ds, 0, False, False)),
        "window_f16_u8": truncate(window_or_min_max(raw16, ds, 0, True, False)),
        "minmax_u8": legacy_min_max(raw, invert),
        "percentile_u8": percentile_min_max(raw),
    }
    skipped = {}
    if len(windows(ds)[0]) > 1:
        out["window1_u8"] = truncate(window_or_min_max(raw16, ds, 1, False, False))
    else:
        skipped["window1_u8"] = "one window or none"
    if "RescaleSlope" in ds and windows(ds)[0]:
        out["rescale_u8"] = truncate(window_or_min_max(raw16, ds, 0, False, True))
    else:
        skipped["rescale_u8"] = "no rescale or no window"
    if "VOILUTSequence" in ds:
        out["voilut_u8"] = truncate(voi_lut(raw16, ds))
    else:
        skipped["voilut_u8"] = "no VOI LUT sequence"
    return out, skipped


def main() -> None:
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    files = sys.argv[2:] or [line.strip() for line in sys.stdin if line.strip()]
    for index, path in enumerate(files):
        try:
            outputs, skipped = outputs_for(pydicom.dcmread(path))
        except Exception as error:  # noqa: BLE001 - reported to the test
            print(json.dumps({"file": path, "error": f"{type(error).__name__}: {error}"}), flush=True)
            continue
        paths = {}
        for name, array in outputs.items():
            target = out_dir / f"{index}.{name}.bin"
            target.write_bytes(np.ascontiguousarray(array).tobytes())
            paths[name] = str(target)
        print(json.dumps({"file": path, "outputs": paths, "skipped": skipped}), flush=True)


if __name__ == "__main__":
    main()
