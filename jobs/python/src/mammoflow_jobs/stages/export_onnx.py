"""export-onnx (seed J2'/J7): the YOLOX-nano detector or the fold ensemble as ONNX.

Detector request (RoiDetectorTraining): `parameters.model == "yolox-nano"`, input `checkpoint`
= a YOLOX checkpoint file, or a train-detector folder holding `best_ckpt.pth`.
Ensemble request (EngineBuild): `parameters.model` = ClassifierModel, `parameters.export` =
EnsembleExport; inputs `selection` (a select-checkpoints folder with best_convnext_fold_{k}.pth.tar)
or `fold0` … `foldN` (checkpoint files, e.g. the winner's shipped ones).
"""

import json
import re
from pathlib import Path

import torch

from .. import params
from ..contract import StageFailure
from ..contract.inputs import family_inputs
from ..export.builders import export_detector, export_ensemble
from ..models.convnext import ClassifierSpec, load_fold_classifier
from ..models.yolox_nano import load_yolox_nano
from ..runner import StageContext
from . import stage

DETECTOR_CHECKPOINT_NAMES = ("best_ckpt.pth", "yolox_nano_416_roi_torch.pth")
SELECTED_FOLD = re.compile(r"best_convnext_fold_(\d+)\.pth\.tar")


def classifier_spec(model: dict) -> ClassifierSpec:
    return ClassifierSpec(
        architecture=params.text(model, "architecture", where="model"),
        global_pool=params.text(model, "globalPool", where="model", choices={"max", "avg"}),
        drop_rate=params.number(model, "dropRate", where="model", minimum=0, maximum=1),
        drop_path_rate=params.number(model, "dropPathRate", where="model", minimum=0, maximum=1),
        input_height=params.integer(model, "inputHeight", where="model", minimum=32, maximum=8192),
        input_width=params.integer(model, "inputWidth", where="model", minimum=32, maximum=8192),
    )


def detector_checkpoint(path: Path) -> Path:
    if path.is_file():
        return path
    for name in DETECTOR_CHECKPOINT_NAMES:
        if (path / name).is_file():
            return path / name
    raise StageFailure(
        "MissingArtifact", f"input 'checkpoint' folder {path} has none of {', '.join(DETECTOR_CHECKPOINT_NAMES)}"
    )


def trained_input_size(source: Path, default: int = 416) -> int:
    """The input size a train-detector folder was trained at (its history.json), else the seed's 416."""
    history = source / "history.json"
    if source.is_dir() and history.is_file():
        return int(json.loads(history.read_text("utf-8")).get("inputSize", default))
    return default


def fold_checkpoints(ctx: StageContext) -> list[Path]:
    """Fold checkpoint files in fold order; the folds must be 0..F-1 without gaps."""
    found: dict[int, Path] = {}
    if "selection" in ctx.request.inputs:
        folder = ctx.input_path("selection")
        for path in folder.iterdir():
            match = SELECTED_FOLD.fullmatch(path.name)
            if match:
                found[int(match.group(1))] = path
        where = f"input 'selection' ({folder})"
    else:
        for fold, name in family_inputs("export-onnx", "fold{k}", ctx.request.inputs).items():
            found[int(fold)] = ctx.input_path(name)
        where = "inputs fold0…foldN"
    if not found:
        raise StageFailure("MissingArtifact", f"no fold checkpoints in {where}")
    if sorted(found) != list(range(len(found))):
        problem = f"fold checkpoints in {where} are not folds 0..{len(found) - 1}: {sorted(found)}"
        raise StageFailure("BadRequest", problem)
    return [found[k] for k in range(len(found))]


def opset_of(parameters: dict) -> int:
    """The ensemble's export.opset, or the detector's opset (both default to the seed's 15 in the catalogue)."""
    if "export" in parameters:
        return params.integer(params.section(parameters, "export"), "opset", where="export", minimum=13, maximum=23)
    return params.integer(parameters, "opset", minimum=13, maximum=23)


@stage("export-onnx")
def export_onnx_stage(ctx: StageContext) -> None:
    # Scoped, not torch.set_grad_enabled(False): stages may share a process (local runner, tests).
    with torch.no_grad():
        _export(ctx)


def _export(ctx: StageContext) -> None:
    parameters = ctx.request.stage_parameters
    model = parameters.get("model", {})
    if model == "yolox-nano":
        source = ctx.input_path("checkpoint")
        size = params.integer(parameters, "inputSize", trained_input_size(source), minimum=32, maximum=2048)
        if size % 32:
            raise StageFailure("BadRequest", f"parameters.inputSize must be a multiple of 32, got {size}")
        checkpoint = detector_checkpoint(source)
        detector = load_yolox_nano(checkpoint)
        report = export_detector(detector, ctx.output_dir, size, opset_of(parameters), checkpoint.name)
    elif isinstance(model, dict):
        spec = classifier_spec(model)
        paths = fold_checkpoints(ctx)
        folds = [load_fold_classifier(spec, path) for path in paths]
        report = export_ensemble(
            folds,
            ctx.output_dir,
            spec.input_height,
            spec.input_width,
            opset_of(parameters),
            [p.name for p in paths],
            spec.architecture,
        )
        ctx.metrics["folds"] = len(folds)
    else:
        raise StageFailure("BadRequest", f"parameters.model must be 'yolox-nano' or a classifier object, got {model!r}")
    ctx.add_artifact("onnx", report.onnx)
    ctx.add_artifact("modelCard", report.card)
    ctx.metrics["maxAbsDiffOnnxVsTorch"] = report.max_abs_diff
