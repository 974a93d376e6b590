"""The seed's classifier and its fold ensemble (`KFoldEnsembleModel`).

See docs/seed-pipeline.md#classifier and docs/seed-pipeline.md#fold-ensemble.
"""

from dataclasses import dataclass
from pathlib import Path

import timm
import torch
from torch import nn

from ..contract import StageFailure
from ..contract.parameters import section_defaults
from .checkpoints import load_checkpoint_file, strip_module_prefix

# ImageNet statistics as timm resolves them for ConvNeXt; the ensemble applies them on 0..255 input.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


_SEED_MODEL = section_defaults("train-fold", "model")


@dataclass(frozen=True)
class ClassifierSpec:
    """The `model` parameters (jobs/contract/parameters/classifier.ts ClassifierModel). Stages pass
    every field from their request; the defaults, for tools and tests, are the catalogue's."""

    architecture: str = _SEED_MODEL["architecture"]
    global_pool: str = _SEED_MODEL["globalPool"]
    drop_rate: float = _SEED_MODEL["dropRate"]
    drop_path_rate: float = _SEED_MODEL["dropPathRate"]
    input_height: int = _SEED_MODEL["inputHeight"]
    input_width: int = _SEED_MODEL["inputWidth"]


def create_classifier(spec: ClassifierSpec, pretrained_file: Path | None = None) -> nn.Module:
    """timm model with one logit; ImageNet weights come from a local file (no hub on the cluster).

    With a file, timm's own pretrained loader adapts the checkpoint (it drops the 1000-class head
    because num_classes differs), exactly as `pretrained=True` did in the seed.
    """
    kwargs = dict(
        num_classes=1,
        in_chans=3,
        global_pool=spec.global_pool,
        drop_rate=spec.drop_rate,
        drop_path_rate=spec.drop_path_rate,
    )
    try:
        if pretrained_file is None:
            return timm.create_model(spec.architecture, pretrained=False, **kwargs)
        return timm.create_model(
            spec.architecture, pretrained=True, pretrained_cfg_overlay={"file": str(pretrained_file)}, **kwargs
        )
    except RuntimeError as error:
        if "Unknown model" in str(error):
            raise StageFailure("BadRequest", f"parameters.model.architecture: {error}") from error
        raise


def fold_weights(checkpoint: dict, path: Path) -> dict:
    """EMA weights of a timm training checkpoint (what timm's load_checkpoint picks by default)."""
    for key in ("state_dict_ema", "state_dict", "model"):
        if isinstance(checkpoint.get(key), dict):
            return strip_module_prefix(checkpoint[key])
    if checkpoint and all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        return strip_module_prefix(checkpoint)
    raise StageFailure("BadInput", f"checkpoint {path} has no state_dict_ema/state_dict", str(path))


def load_fold_classifier(spec: ClassifierSpec, path: Path) -> nn.Module:
    model = create_classifier(spec)
    weights = fold_weights(load_checkpoint_file(path), path)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        message = str(error).splitlines()[0]
        raise StageFailure(
            "BadInput", f"checkpoint {path} does not fit {spec.architecture}: {message}", str(path)
        ) from error
    return model.eval()


class FoldEnsemble(nn.Module):
    """[N,3,H,W] float 0..255 → [N,F] per-fold sigmoid probabilities, normalisation inside."""

    def __init__(self, folds: list[nn.Module]):
        super().__init__()
        self.folds = nn.ModuleList(folds)
        self.register_buffer("mean", torch.tensor([255.0 * m for m in IMAGENET_MEAN]).reshape(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([255.0 * s for s in IMAGENET_STD]).reshape(1, 3, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = (images - self.mean) / self.std
        return torch.stack([fold(x).sigmoid()[:, 0] for fold in self.folds], dim=1)
