"""Python side of `npm run bench:predict`: the seed's per-image inference path on the CPU with the
same ONNX models as the TypeScript side (onnxruntime, same thread count), timed over the files.

Usage: predict_bench.py THREADS DETECTOR.onnx CLASSIFIER.onnx FILE...
THREADS processes prepare images (each with a 1-thread detector session, as the seed's decode
workers), the main process runs the classifier with THREADS ONNX Runtime threads.
Prints one JSON line {"images", "seconds", "branches"}. Steps per image, as submit.py: decode
(pydicom + GDCM), int16, min-max ×255 (inverted for MONOCHROME1), fit-resize + pad 114 (torch),
YOLOX (onnxruntime), decode + top box ≥ 0.5 + area ≥ 4 %, else Otsu (OpenCV), else full frame;
crop, window #0 in float32 (or min-max), invert, resize_and_pad (torch), uint8, batches of 2.
"""

import json
import sys
import time
import warnings
from multiprocessing import Pool

import cv2
import numpy as np
import onnxruntime as ort
import pydicom
import torch
import torch.nn.functional as F
from pydicom.pixels import pixel_array

STRIDES = (8, 16, 32)


def session(path: str, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def window(img: np.ndarray, center: float, width: float, fn: str) -> np.ndarray:
    x = img.astype(np.float32)
    if fn == "SIGMOID":
        return (255.0 / (1.0 + np.exp((x - np.float32(center)) * np.float32(-4.0 / width)))).astype(np.float32)
    if fn == "LINEAR":
        center, width = center - 0.5, width - 1
    s = np.float32(255.0 / width)
    b = np.float32((-center / width + 0.5) * 255.0)
    return np.clip(x * s + b, 0, 255)


def min_max(img: np.ndarray) -> np.ndarray:
    lo, hi = img.min(), img.max()
    return ((img - lo) / (hi - lo) if hi > lo else (img - lo)).astype(np.float32) * np.float32(255)


def fit_resize(img: np.ndarray, height: int, width: int) -> tuple[torch.Tensor, float]:
    h, w = img.shape
    ratio = min(height / h, width / w)
    resized = F.interpolate(
        torch.from_numpy(img).view(1, 1, h, w),
        mode="bilinear",
        scale_factor=ratio,
        recompute_scale_factor=True,
    )[0, 0]
    return resized, ratio


def otsu_box(u8: np.ndarray):
    upper = np.percentile(u8, 95)
    u8[u8 > upper] = np.min(u8)
    blurred = cv2.GaussianBlur(u8, (5, 5), 0)
    _, binary = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    binary = cv2.dilate(binary, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3), (-1, -1)))
    contours, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None, 0.0
    areas = [cv2.contourArea(c) for c in contours]
    best = int(np.argmax(areas))
    x, y, w, h = cv2.boundingRect(contours[best])
    return (x, y, x + w, y + h), areas[best] / u8.size


def grid_for(size: int) -> tuple[np.ndarray, np.ndarray]:
    grids, strides = [], []
    for s in STRIDES:
        n = size // s
        yv, xv = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        grids.append(np.stack((xv, yv), 2).reshape(-1, 2))
        strides.append(np.full((n * n, 1), s))
    return np.concatenate(grids).astype(np.float32), np.concatenate(strides).astype(np.float32)


def roi(image: np.ndarray, detector, size: int, grid) -> tuple[tuple[int, int, int, int], str]:
    h, w = image.shape
    resized, ratio = fit_resize(image, size, size)
    padded = torch.full((size, size), 114.0)
    padded[: resized.shape[0], : resized.shape[1]] = resized
    x = padded.expand(1, 3, size, size).contiguous().numpy()
    out = detector.run(None, {"images": x})[0][0]
    score = out[:, 4] * out[:, 5]
    keep = np.flatnonzero(score >= 0.5)
    clamp = lambda v, hi: min(max(int(v), 0), hi)
    if keep.size:
        a = keep[np.argmax(score[keep])]
        cxy = (out[a, 0:2] + grid[0][a]) * grid[1][a]
        wh = np.exp(out[a, 2:4]) * grid[1][a]
        x0, y0, x1, y1 = [v / np.float32(ratio) for v in (*(cxy - wh / 2), *(cxy + wh / 2))]
        box = (clamp(x0, w), clamp(y0, h), clamp(x1, w), clamp(y1, h))
        if (box[2] - box[0]) * (box[3] - box[1]) / (h * w) >= 0.04:
            return box, "yolox"
    xyxy, area = otsu_box(resized.to(torch.uint8).numpy())
    if xyxy is not None and area >= 0.04:
        x0, y0, x1, y1 = xyxy
        return (
            clamp(x0 / ratio, w),
            clamp(y0 / ratio, h),
            clamp(x1 / ratio, w),
            clamp(y1 / ratio, h),
        ), "otsu"
    return (0, 0, w, h), "full"


def classifier_input(crop: np.ndarray, height: int, width: int) -> np.ndarray:
    resized, _ = fit_resize(crop, height, width)
    canvas = torch.zeros((height, width))
    top, left = (height - resized.shape[0]) // 2, (width - resized.shape[1]) // 2
    canvas[top : top + resized.shape[0], left : left + resized.shape[1]] = resized
    return canvas.to(torch.uint8).numpy()


_worker: dict = {}


def init_worker(detector_path: str, classifier_shape: tuple[int, int]) -> None:
    """Each preparation process has its own 1-thread detector session, as the seed's decode workers had their own engine."""
    torch.set_num_threads(1)
    detector = session(detector_path, 1)
    size = detector.get_inputs()[0].shape[2]
    _worker.update(detector=detector, size=size, grid=grid_for(size), shape=classifier_shape)


def prepare(path: str) -> tuple[np.ndarray, str]:
    """Decode → ROI → crop → window → classifier canvas for one file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = pydicom.dcmread(path)
        raw = pixel_array(ds, decoding_plugin="gdcm").astype(np.int16)
    invert = ds.PhotometricInterpretation == "MONOCHROME1"
    y = min_max(raw)
    if invert:
        y = 255 - y
    (x0, y0, x1, y1), branch = roi(y, _worker["detector"], _worker["size"], _worker["grid"])
    crop = raw[y0:y1, x0:x1]
    if "WindowCenter" in ds and "WindowWidth" in ds:
        centers = ds.WindowCenter if ds["WindowCenter"].VM > 1 else [ds.WindowCenter]
        widths = ds.WindowWidth if ds["WindowWidth"].VM > 1 else [ds.WindowWidth]
        fn = str(ds.get("VOILUTFunction", "LINEAR")).upper() or "LINEAR"
        c = window(crop, float(centers[0]), float(widths[0]), fn)
    else:
        c = min_max(crop)
    if invert:
        c = 255 - c
    return classifier_input(np.ascontiguousarray(c, dtype=np.float32), *_worker["shape"]), branch


def main() -> None:
    threads, detector_path, classifier_path, files = (
        int(sys.argv[1]),
        sys.argv[2],
        sys.argv[3],
        sys.argv[4:],
    )
    torch.set_num_threads(threads)
    classifier = session(classifier_path, threads)
    shape = tuple(classifier.get_inputs()[0].shape[2:])
    branches: dict[str, int] = {}

    def classify(batch: list[np.ndarray]) -> None:
        x = np.repeat(np.stack(batch)[:, None], 3, axis=1).astype(np.float32)
        classifier.run(None, {"images": x})

    with Pool(threads, initializer=init_worker, initargs=(detector_path, shape)) as pool:
        pool.map(prepare, files[: max(1, threads)], chunksize=1)  # workers and plugins warm, untimed
        start = time.perf_counter()
        batch: list[np.ndarray] = []
        for canvas, branch in pool.imap(prepare, files, chunksize=1):
            branches[branch] = branches.get(branch, 0) + 1
            batch.append(canvas)
            if len(batch) == 2:
                classify(batch)
                batch = []
        if batch:
            classify(batch)
        seconds = time.perf_counter() - start
    print(json.dumps({"images": len(files), "seconds": seconds, "branches": branches}))


if __name__ == "__main__":
    main()
