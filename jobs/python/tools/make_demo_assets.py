"""The demo models of crds/samples/demo.yaml, in the seed's checkpoint formats (demo models, not the winner's).

    .venv/bin/python jobs/python/tools/make_demo_assets.py [--out assets/samples/models]

writes
  yolox_nano_roi.pth              YOLOX-nano ({"model": state_dict}, fp32), briefly trained on CPU on synthetic
                                  phantom mammograms (tests/fixtures/dicom/generate_studies.py::phantom, other
                                  seeds than the sample studies) to find the breast box; not the seed's recipe
                                  (Adam, no COCO init, 128 images, batch 8; phase 1: 100 steps cycling sizes
                                  256–416, cosine; phases 2 and 3: 40 steps each at 320/416, constant lr;
                                  BN statistics re-estimated at 416 after each phase)
  convnext_fold_{0..3}.pth.tar    timm convnext_atto, global max pool, one logit ({"state_dict", "state_dict_ema"},
                                  the same fp32 tensors under both keys): a seeded frozen backbone and a logistic-
                                  regression head per fold, fitted on synthetic phantoms with and without a mass
                                  (demo_classifiers.py says how and why)

Detector inputs are the seed's path A images (min-max ×255 of the stored values, MONOCHROME1 inverted, truncated
to 8 bits like the detector's training PNGs), fit-resized with cv2.INTER_LINEAR and padded with 114 at the
bottom/right, gray replicated to 3 channels, 0..255; the target box is the bounding box of the phantom's breast
mask (the half ellipse phantom() draws). Everything is seeded: the same stack writes the same files.
"""

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from demo_classifiers import train_classifiers

from mammoflow_jobs.models.yolox_nano import build_yolox_nano

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "fixtures" / "dicom"))
from generate_studies import Variant, phantom  # noqa: E402

DETECTOR_SEED = 5150  # the sample studies use 20230227: the samples stay held out
SIZES = (256, 320, 416, 288, 352, 384)  # cycled per step; the Trained export runs at 416
PAD_VALUE = 114.0
MAX_LABELS = 50


def breast_mask(rows: int, cols: int, laterality: str) -> np.ndarray:
    """The `inside` mask of generate_studies.phantom (same geometry)."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    yn = (y - rows * 0.5) / (rows * 0.46)
    xn = x / (cols * 0.78) if laterality == "L" else (cols - 1 - x) / (cols * 0.78)
    return xn**2 + yn**2 < 1


def mask_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), end-exclusive, of the True pixels."""
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def path_a(raw: np.ndarray, monochrome1: bool) -> np.ndarray:
    """The detector's input image: min-max ×255, inverted for MONOCHROME1.

    See docs/seed-pipeline.md#path-a--inference, step 3.
    """
    values = raw.astype(np.float64)
    low, high = values.min(), values.max()
    scaled = (values - low) / (high - low) * 255.0 if high > low else values - low
    return 255.0 - scaled if monochrome1 else scaled


def phantom_example(index: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """One synthetic breast (uint8 path-A image) and its breast box, drawn from (DETECTOR_SEED, index)."""
    rng = np.random.default_rng([DETECTOR_SEED, index])
    rows = int(rng.integers(448, 769))
    cols = int(rows * rng.uniform(0.7, 0.95))
    laterality = "L" if rng.random() < 0.5 else "R"
    v = Variant(
        f"demo-train-{index}",
        int(rng.choice([12, 14, 16])),
        "MONOCHROME1" if rng.random() < 0.3 else "MONOCHROME2",
        laterality=laterality,
        view="CC" if rng.random() < 0.5 else "MLO",
        noise=float(rng.choice([0.0001, 0.001, 0.004])),
        mass=bool(rng.random() < 0.3),
    )
    raw = phantom(rows, cols, v, rng)
    mask = breast_mask(rows, cols, laterality)
    # Some breasts cut at the top, bottom or far side, so that the box is not always the same ellipse.
    top, bottom = (int(rows * rng.uniform(0, 0.06)) if rng.random() < 0.5 else 0 for _ in range(2))
    far = int(cols * rng.uniform(0, 0.12)) if rng.random() < 0.4 else 0
    x_slice = slice(0, cols - far) if laterality == "L" else slice(far, cols)
    raw, mask = raw[top : rows - bottom, x_slice], mask[top : rows - bottom, x_slice]
    image = path_a(raw, v.photometric == "MONOCHROME1").astype(np.uint8)  # truncation, like path C's PNGs
    return image, mask_box(mask)


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float]:
    """YOLOX's preprocessing: fit-resize (INTER_LINEAR), pad 114 bottom/right, [3,S,S] float32."""
    h, w = image.shape
    r = min(size / h, size / w)
    resized = cv2.resize(image, (int(w * r), int(h * r)), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    canvas = np.full((size, size), PAD_VALUE, np.float32)
    canvas[: resized.shape[0], : resized.shape[1]] = resized
    return np.repeat(canvas[None], 3, axis=0), r


def detector_batch(examples: list, indices: np.ndarray, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    images = np.zeros((len(indices), 3, size, size), np.float32)
    targets = np.zeros((len(indices), MAX_LABELS, 5), np.float32)
    for row, i in enumerate(indices):
        image, (x0, y0, x1, y1) = examples[i]
        images[row], r = letterbox(image, size)
        targets[row, 0] = (0, (x0 + x1) / 2 * r, (y0 + y1) / 2 * r, (x1 - x0) * r, (y1 - y0) * r)
    return torch.from_numpy(images), torch.from_numpy(targets)


def decode(output: np.ndarray, size: int) -> tuple[float, np.ndarray]:
    """Best box of one raw [A,6] YOLOX output (docs/seed-pipeline.md#box-decoding): (score, x0 y0 x1 y1 in pixels)."""
    rows = []
    for stride in (8, 16, 32):
        n = size // stride
        gy, gx = np.mgrid[0:n, 0:n]
        rows.append(np.stack([gx.ravel(), gy.ravel(), np.full(n * n, stride)], axis=1))
    grid = np.concatenate(rows).astype(np.float64)
    cx, cy = (output[:, 0] + grid[:, 0]) * grid[:, 2], (output[:, 1] + grid[:, 1]) * grid[:, 2]
    bw, bh = np.exp(output[:, 2]) * grid[:, 2], np.exp(output[:, 3]) * grid[:, 2]
    scores = output[:, 4] * output[:, 5]
    best = int(np.argmax(scores))
    box = np.array([cx[best] - bw[best] / 2, cy[best] - bh[best] / 2, cx[best] + bw[best] / 2, cy[best] + bh[best] / 2])
    return float(scores[best]), box


def iou(a, b) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def evaluate(model: torch.nn.Module, examples: list, size: int = 416) -> list[tuple[float, float]]:
    """(score, IoU with the breast box) of the best box on each example, at `size`."""
    model.eval()
    model.head.decode_in_inference = False
    found = []
    with torch.no_grad():
        for image, box in examples:
            tensor, r = letterbox(image, size)
            score, predicted = decode(model(torch.from_numpy(tensor)[None])[0].numpy(), size)
            found.append((score, iou(predicted / r, np.array(box, np.float64))))
    return found


def fit(model: torch.nn.Module, train: list, phase: dict, batch: int, started: float) -> None:
    """Adam, linear warm-up then cosine (to 0) or constant, input size cycled per step."""
    steps, warmup, sizes = phase["steps"], phase["warmup"], phase["sizes"]
    optimizer = torch.optim.Adam(model.parameters(), lr=phase["lr"])

    def factor(s: int) -> float:
        if s < warmup:
            return (s + 1) / warmup
        return 0.5 * (1 + np.cos(np.pi * (s - warmup) / (steps - warmup))) if phase["cosine"] else 1.0

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    order = np.random.RandomState(phase["seed"])
    model.train()
    for step in range(steps):
        size = sizes[step % len(sizes)]
        x, t = detector_batch(train, order.choice(len(train), batch, replace=False), size)
        losses = model(x, t)
        optimizer.zero_grad()
        losses["total_loss"].backward()
        optimizer.step()
        schedule.step()
        if step % 10 == 0 or step == steps - 1:
            names = ("total_loss", "iou_loss", "conf_loss", "cls_loss")
            parts = " ".join(f"{k} {float(losses[k].detach()):.3f}" for k in names)
            cpu = time.process_time() - started
            print(f"detector {phase['name']} step {step + 1}/{steps} @{size}: {parts} ({cpu:.0f} CPU-s)")
    recalibrate_batch_norm(model, train, batch)


def train_detector(
    steps: int, images: int, batch: int, lr: float, finetune_steps: int, phase1: Path | None, phase2: Path | None
) -> tuple[torch.nn.Module, dict]:
    """Phase 1 from random init (cosine over `steps`), phase 2 at 320/416 with a constant learning rate."""
    started = time.process_time()
    examples = [phantom_example(i) for i in range(images + 16)]
    train, held_out = examples[:images], examples[images:]
    torch.manual_seed(DETECTOR_SEED)
    model = build_yolox_nano()
    if phase1 is None:
        first = {"name": "phase 1", "steps": steps, "warmup": max(1, steps // 10), "sizes": SIZES}
        fit(model, train, {**first, "lr": lr, "cosine": True, "seed": DETECTOR_SEED}, batch, started)
    else:  # phase 1's weights from an earlier run of this script (the same computation)
        model.load_state_dict(torch.load(phase1, map_location="cpu", weights_only=True)["model"])
    if phase2 is None:
        second = {"name": "phase 2", "steps": finetune_steps, "warmup": 4, "sizes": (320, 416)}
        fit(model, train, {**second, "lr": lr / 2, "cosine": False, "seed": DETECTOR_SEED + 1}, batch, started)
    else:  # phase 2's weights from an earlier run of this script (the same computation)
        model.load_state_dict(torch.load(phase2, map_location="cpu", weights_only=True)["model"])
    third = {"name": "phase 3", "steps": finetune_steps, "warmup": 4, "sizes": (320, 416)}
    fit(model, train, {**third, "lr": lr / 2, "cosine": False, "seed": DETECTOR_SEED + 2}, batch, started)
    found = evaluate(model, held_out)
    summary = {
        "cpuSeconds": time.process_time() - started,
        "heldOutScores": [round(s, 3) for s, _ in found],
        "heldOutIous": [round(float(i), 3) for _, i in found],
    }
    return model, summary


def recalibrate_batch_norm(model: torch.nn.Module, examples: list, batch: int) -> None:
    """Running BN statistics as a plain average over a few batches at 416 (the export size)."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    model.eval()
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    with torch.no_grad():
        for start in range(0, min(len(examples), 4 * batch), batch):
            model(detector_batch(examples, np.arange(start, start + batch), 416)[0])
    for bn in bns:
        bn.momentum = 0.03
    model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "assets" / "samples" / "models")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--finetune-steps", type=int, default=40)
    parser.add_argument("--phase1", type=Path, default=None, help="skip phase 1: its checkpoint from an earlier run")
    parser.add_argument(
        "--phase2", type=Path, default=None, help="skip phases 1-2: their checkpoint from an earlier run"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--phantoms", type=int, default=192, help="training phantoms of the classifier folds")
    parser.add_argument("--only", choices=["detector", "classifiers"], default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only != "classifiers":
        model, summary = train_detector(
            args.steps, args.images, args.batch, args.lr, args.finetune_steps, args.phase1, args.phase2
        )
        torch.save({"model": model.state_dict()}, args.out / "yolox_nano_roi.pth")
        print(f"detector: {summary}")
    if args.only != "detector":
        started = time.process_time()
        log = lambda line: print(f"classifiers: {line}", flush=True)  # noqa: E731
        checkpoints, summary = train_classifiers(args.folds, args.phantoms, log)
        for k, checkpoint in enumerate(checkpoints):
            torch.save(checkpoint, args.out / f"convnext_fold_{k}.pth.tar")
        print(f"classifiers: {summary} ({time.process_time() - started:.0f} CPU-s)")


if __name__ == "__main__":
    main()
