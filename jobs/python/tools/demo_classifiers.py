"""The demo's four convnext_atto folds: a frozen, seeded backbone and a classifier head fitted per fold on phantoms.

Used by make_demo_assets.py. Each training image is what the classifier sees at inference
(docs/seed-pipeline.md#path-a--inference steps 5–9): a phantom breast (tests/fixtures/dicom/generate_studies.py
::phantom, other seeds than the sample studies, which stay held out) cropped to its breast box with some jitter (a
detector is never exact), windowed like one of the sample patients' files (LINEAR, SIGMOID, MONOCHROME1, or min-max
without a window) with the window moved a little, inverted for MONOCHROME1, fit into 512×256 with PyTorch bilinear on
a zero canvas, truncated to uint8. Half the phantoms carry the generator's bright spiculated mass (label 1).

Why a linear probe and not training: on this CPU, training convnext_atto at 512×256 from scratch stayed at chance
after a hundred steps (5–20 s each). A frozen random backbone costs one forward pass per image, but with timm's zero
conv biases the LayerNorm after each convolution maps every flat patch to the same vector whatever its brightness,
so a bright mass is nearly invisible (held-out AUC ≈ 0.65). With the stem's and the downsampling convolutions' biases
drawn from N(0, 0.3²) under a seed, brightness survives the LayerNorms and a logistic regression on the pooled
features separates the phantoms. All four folds share that backbone; fold k's head is fitted on the phantoms not in
its quarter and scored on that quarter. Not the seed's recipe; everything is seeded, and the same software stack and
thread count write the same files.
"""

import sys
from pathlib import Path

import numpy as np
import torch

from mammoflow_jobs.models.convnext import IMAGENET_MEAN, IMAGENET_STD, ClassifierSpec, create_classifier

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "fixtures" / "dicom"))
from generate_studies import Variant, phantom  # noqa: E402

DATA_SEED = 7321  # the sample studies use 20230227, the detector's phantoms 5150
BACKBONE_SEED = 2023
BIAS_SEED = 7
BIAS_STD = 0.3
HEAD_WEIGHT_DECAY = 1e-2
SPEC = ClassifierSpec(architecture="convnext_atto", input_height=512, input_width=256)
# The sample patients' window styles (generate_studies.SAMPLE_PATIENTS): photometric, function, centre, width.
WINDOW_STYLES = [
    ("MONOCHROME2", "LINEAR", 2047.0, 4096.0),
    ("MONOCHROME1", "SIGMOID", 1450.0, 2200.0),
    ("MONOCHROME2", "SIGMOID", 2100.0, 1800.0),
    ("MONOCHROME2", None, 0.0, 0.0),
]


def window(raw: np.ndarray, function: str | None, center: float, width: float) -> np.ndarray:
    """docs/seed-pipeline.md#windowing and #no-window, in float64."""
    x = raw.astype(np.float64)
    if function is None:
        low, high = x.min(), x.max()
        return (x - low) / (high - low) * 255.0 if high > low else np.zeros_like(x)
    if function == "SIGMOID":
        return 255.0 / (1.0 + np.exp(-4.0 * (x - center) / width))
    c, w = center - 0.5, width - 1.0
    return np.clip(x * (255.0 / w) + (0.5 - c / w) * 255.0, 0.0, 255.0)


def fit_into(crop: np.ndarray, height: int, width: int) -> np.ndarray:
    """docs/seed-pipeline.md#classifier-input: fit with PyTorch bilinear on a centred zero canvas, uint8."""
    h, w = crop.shape
    r = min(height / h, width / w)
    th, tw = int(h * r), int(w * r)
    resized = torch.nn.functional.interpolate(
        torch.from_numpy(crop.astype(np.float32))[None, None], size=(th, tw), mode="bilinear", align_corners=False
    )[0, 0].numpy()
    canvas = np.zeros((height, width), np.float32)
    top, left = (height - th) // 2, (width - tw) // 2
    canvas[top : top + th, left : left + tw] = resized
    return canvas.astype(np.uint8)


def breast_box(rows: int, cols: int, laterality: str) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1), end-exclusive, of the half ellipse phantom() draws."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    yn = (y - rows * 0.5) / (rows * 0.46)
    xn = x / (cols * 0.78) if laterality == "L" else (cols - 1 - x) / (cols * 0.78)
    ys, xs = np.nonzero(xn**2 + yn**2 < 1)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def example(index: int) -> tuple[np.ndarray, int]:
    """One classifier input (uint8, 512×256) and its label, drawn from (DATA_SEED, index)."""
    rng = np.random.default_rng([DATA_SEED, index])
    rows = int(rng.integers(448, 769))
    cols = int(rows * rng.uniform(0.7, 0.95))
    laterality = "L" if rng.random() < 0.5 else "R"
    photometric, function, center, width = WINDOW_STYLES[int(rng.integers(len(WINDOW_STYLES)))]
    center *= rng.uniform(0.9, 1.1)
    width *= rng.uniform(0.85, 1.15)
    label = int(rng.random() < 0.5)
    v = Variant(
        f"demo-classifier-{index}",
        12,
        photometric,
        laterality=laterality,
        view="CC" if rng.random() < 0.5 else "MLO",
        noise=float(rng.choice([0.0001, 0.0005, 0.002])),
        mass=bool(label),
    )
    raw = phantom(rows, cols, v, rng)
    x0, y0, x1, y1 = breast_box(rows, cols, laterality)
    jitter = rng.uniform(-0.05, 0.05, 4) * np.array([x1 - x0, y1 - y0, x1 - x0, y1 - y0])
    x0, y0 = max(0, int(x0 + jitter[0])), max(0, int(y0 + jitter[1]))
    x1, y1 = min(cols, int(x1 + jitter[2])), min(rows, int(y1 + jitter[3]))
    y = window(raw[y0:y1, x0:x1], function, center, width)
    if photometric == "MONOCHROME1":
        y = 255.0 - y
    return fit_into(y, SPEC.input_height, SPEC.input_width), label


def as_batch(images: np.ndarray) -> torch.Tensor:
    """uint8 [N,H,W] → the ensemble's normalised [N,3,H,W] input (FoldEnsemble's normalisation)."""
    x = torch.from_numpy(images.astype(np.float32))[:, None].expand(-1, 3, -1, -1)
    mean = torch.tensor([255.0 * m for m in IMAGENET_MEAN]).reshape(1, 3, 1, 1)
    std = torch.tensor([255.0 * s for s in IMAGENET_STD]).reshape(1, 3, 1, 1)
    return (x - mean) / std


def backbone() -> torch.nn.Module:
    """timm's seeded initialisation, with seeded biases on the stem and the three downsampling convolutions."""
    torch.manual_seed(BACKBONE_SEED)
    model = create_classifier(SPEC).eval()
    generator = torch.Generator().manual_seed(BIAS_SEED)
    convs = [model.stem[0]] + [model.stages[k].downsample[1] for k in (1, 2, 3)]
    with torch.no_grad():
        for conv in convs:
            conv.bias.copy_(torch.randn(conv.bias.shape, generator=generator) * BIAS_STD)
    return model


def pooled_features(model: torch.nn.Module, images: np.ndarray, log) -> torch.Tensor:
    """What the head's fc sees: global max pool, then the head's LayerNorm ([N, 320])."""
    out = []
    with torch.no_grad():
        for start in range(0, len(images), 8):
            out.append(model.forward_head(model.forward_features(as_batch(images[start : start + 8])), pre_logits=True))
            log(f"features {min(start + 8, len(images))}/{len(images)}")
    return torch.cat(out)


def fit_head(features: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """L2-regularised logistic regression (L-BFGS) on standardised features, folded back into fc's weight and bias."""
    mean, std = features.mean(0), features.std(0) + 1e-6
    z = (features - mean) / std
    w = torch.zeros(features.shape[1], requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([w, b], max_iter=500)

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z @ w + b, labels)
        loss = loss + HEAD_WEIGHT_DECAY * (w * w).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    weight = (w / std).detach()
    return weight[None], (b - (weight * mean).sum()).detach()


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a positive outscores a negative (ties count half): the ROC AUC."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def train_classifiers(folds: int, examples: int, log) -> tuple[list[dict], dict]:
    """The folds' checkpoints ({"state_dict", "state_dict_ema"}) and a summary with each fold's held-out AUC."""
    data = [example(i) for i in range(examples)]
    images = np.stack([d[0] for d in data])
    labels = np.array([d[1] for d in data])
    log(f"{examples} phantoms drawn, {int(labels.sum())} with a mass")
    model = backbone()
    features = pooled_features(model, images, log)
    target = torch.from_numpy(labels.astype(np.float32))
    quarter = np.arange(examples) % folds
    checkpoints, aucs = [], []
    for k in range(folds):
        train, held_out = quarter != k, quarter == k
        weight, bias = fit_head(features[train], target[train])
        scores = (features[held_out] @ weight[0] + bias).numpy()
        aucs.append(round(auc(scores, labels[held_out]), 3))
        log(f"fold {k}: head fitted on {int(train.sum())} phantoms, held-out AUC {aucs[-1]}")
        state = {name: tensor.clone() for name, tensor in model.state_dict().items()}
        state["head.fc.weight"], state["head.fc.bias"] = weight.clone(), bias.clone()
        # One set of tensors under both keys: torch.save stores each storage once (≈ 15 MB, not 30).
        checkpoints.append({"state_dict": state, "state_dict_ema": state})
    return checkpoints, {"heldOutAuc": aucs}
