"""The committed demo models of crds/samples/demo.yaml (assets/samples/models/, tools/make_demo_assets.py).

The detector must find the breast on the 16 sample studies (held out from its training): the highest-scoring
box of the raw [1,A,6] output, decoded as docs/seed-pipeline.md#box-decoding, at the size the Trained export uses (416).
"""

from pathlib import Path

import cv2
import numpy as np
import pydicom
import pytest
import torch

from mammoflow_jobs.models.convnext import ClassifierSpec, load_fold_classifier
from mammoflow_jobs.models.yolox_nano import load_yolox_nano

REPO = Path(__file__).resolve().parents[3]
SAMPLES = REPO / "assets" / "samples"
MODELS = SAMPLES / "models"
SIZE = 416  # export-onnx's default for a checkpoint file (the Trained branch passes no inputSize)
BREAST_LEVEL = 40.0  # path-A level between the phantom's background (≈ 0) and its breast edge (≈ 80)


def path_a(path: Path) -> np.ndarray:
    """docs/seed-pipeline.md#path-a--inference step 3: min-max ×255 of the stored values, 255 − y for MONOCHROME1."""
    ds = pydicom.dcmread(path)
    raw = ds.pixel_array.astype(np.float64)
    y = (raw - raw.min()) / (raw.max() - raw.min()) * 255.0
    return 255.0 - y if ds.PhotometricInterpretation == "MONOCHROME1" else y


def breast_box(image: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(image > BREAST_LEVEL)
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], np.float64)


def preprocess(image: np.ndarray) -> tuple[np.ndarray, float]:
    """docs/seed-pipeline.md#detector-input: bilinear fit-resize, 114 pad bottom/right, gray → 3 channels."""
    h, w = image.shape
    r = min(SIZE / h, SIZE / w)
    resized = cv2.resize(image.astype(np.float32), (int(w * r), int(h * r)), interpolation=cv2.INTER_LINEAR)
    canvas = np.full((SIZE, SIZE), 114.0, np.float32)
    canvas[: resized.shape[0], : resized.shape[1]] = resized
    return np.repeat(canvas[None], 3, axis=0), r


def best_box(output: np.ndarray) -> tuple[float, np.ndarray]:
    """docs/seed-pipeline.md#box-decoding for one image's [A,6] rows: the highest obj·cls box in input pixels."""
    grid = []
    for stride in (8, 16, 32):
        n = SIZE // stride
        for gy in range(n):
            for gx in range(n):
                grid.append((gx, gy, stride))
    grid = np.array(grid, np.float64)
    assert output.shape == (len(grid), 6)
    cx = (output[:, 0] + grid[:, 0]) * grid[:, 2]
    cy = (output[:, 1] + grid[:, 1]) * grid[:, 2]
    bw = np.exp(output[:, 2]) * grid[:, 2]
    bh = np.exp(output[:, 3]) * grid[:, 2]
    score = output[:, 4] * output[:, 5]
    k = int(np.argmax(score))
    return float(score[k]), np.array([cx[k] - bw[k] / 2, cy[k] - bh[k] / 2, cx[k] + bw[k] / 2, cy[k] + bh[k] / 2])


def iou(a: np.ndarray, b: np.ndarray) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def test_demo_detector_finds_the_breast_on_the_sample_studies():
    files = sorted((SAMPLES / "test_images").glob("*/*.dcm"))
    assert len(files) == 16
    images = [path_a(path) for path in files]
    batch = [preprocess(image) for image in images]
    detector = load_yolox_nano(MODELS / "yolox_nano_roi.pth")  # strict, as export-onnx loads it
    with torch.no_grad():
        outputs = detector(torch.from_numpy(np.stack([x for x, _ in batch]))).numpy()
    found = []
    for image, (_, r), output in zip(images, batch, outputs, strict=True):
        score, box = best_box(output)
        found.append((score, iou(box / r, breast_box(image))))
    good = [score >= 0.5 and overlap >= 0.7 for score, overlap in found]
    figures = ", ".join(f"{s:.2f}/{o:.2f}" for s, o in found)
    assert sum(good) >= 14, f"score/IoU per sample: {figures}"


@pytest.mark.parametrize("fold", range(4))
def test_demo_fold_checkpoints_load_as_the_engine_build_reads_them(fold: int):
    path = MODELS / f"convnext_fold_{fold}.pth.tar"
    assert path.stat().st_size <= 16 * 2**20
    spec = ClassifierSpec(architecture="convnext_atto", input_height=512, input_width=256)
    model = load_fold_classifier(spec, path)  # strict
    with torch.no_grad():
        logit = model(torch.zeros(1, 3, spec.input_height, spec.input_width))
    assert logit.shape == (1, 1) and torch.isfinite(logit).all()
