"""Export of the two deployable models, shared by the export-onnx stage and tools/make_demo_models.py."""

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ..models.convnext import FoldEnsemble
from ..models.yolox_nano import anchors_for
from .onnx_models import (
    DETECTOR_OUTPUT,
    ENSEMBLE_OUTPUT,
    INPUT_NAME,
    export_onnx,
    max_abs_difference,
    write_model_card,
)

# Seed of the images used to compare ONNX Runtime with PyTorch: the check must be repeatable.
CHECK_SEED = 20230227


@dataclass(frozen=True)
class ExportReport:
    onnx: Path
    card: Path
    max_abs_diff: float


def _check_images(batch: int, height: int, width: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(CHECK_SEED)
    return torch.rand((batch, 3, height, width), generator=generator) * 255.0


def _export_checked(
    model: nn.Module,
    onnx_path: Path,
    output: str,
    opset: int,
    dynamic_batch: bool,
    example: torch.Tensor,
    check: torch.Tensor,
    card: dict,
) -> ExportReport:
    """Exports `model` traced on `example`, compares ONNX Runtime with PyTorch on `check`, and
    writes the model card beside the model (`<name>.json`) with the difference it measured."""
    card_path = onnx_path.with_suffix(".json")
    export_onnx(model, example, onnx_path, output, opset, dynamic_batch)
    difference = max_abs_difference(model, onnx_path, check)
    write_model_card(card_path, {**card, "maxAbsDiffOnnxVsTorch": difference})
    return ExportReport(onnx_path, card_path, difference)


def export_detector(model: nn.Module, folder: Path, input_size: int, opset: int, source: str) -> ExportReport:
    """YOLOX raw rows [1,A,6]; batch fixed at 1 as the seed's engine (max_batch_size=1)."""
    model.eval()
    model.head.decode_in_inference = False
    card = {
        "kind": "roi-detector",
        "architecture": "yolox-nano",
        "input": {"name": INPUT_NAME, "shape": [1, 3, input_size, input_size], "range": "0..255, no mean/std"},
        "output": {
            "name": DETECTOR_OUTPUT,
            "shape": [1, anchors_for(input_size, input_size), 6],
            "columns": ["tx", "ty", "tw", "th", "obj", "cls"],
            "strides": [8, 16, 32],
        },
        "opset": opset,
        "source": source,
    }
    example, check = _check_images(1, input_size, input_size), _check_images(1, input_size, input_size)
    return _export_checked(model, folder / "detector.onnx", DETECTOR_OUTPUT, opset, False, example, check, card)


def export_ensemble(
    folds: list[nn.Module], folder: Path, height: int, width: int, opset: int, sources: list[str], architecture: str
) -> ExportReport:
    """Fold ensemble [N,3,H,W] → [N,F] probabilities, dynamic N, checked at N = 2."""
    ensemble = FoldEnsemble(folds).eval()
    card = {
        "kind": "classifier-ensemble",
        "architecture": architecture,
        "folds": len(folds),
        "input": {"name": INPUT_NAME, "shape": ["N", 3, height, width], "range": "0..255, normalised inside"},
        "output": {"name": ENSEMBLE_OUTPUT, "shape": ["N", len(folds)], "meaning": "sigmoid probability per fold"},
        "opset": opset,
        "sources": sources,
    }
    example, check = _check_images(1, height, width), _check_images(2, height, width)
    return _export_checked(ensemble, folder / "ensemble.onnx", ENSEMBLE_OUTPUT, opset, True, example, check, card)
