"""The Python stages read their parameters through the schemas generated from the stage catalogue
(jobs/contract/catalogue/*.ts) and hold no default numbers of their own."""

import ast
import dataclasses
from pathlib import Path

import pytest

from mammoflow_jobs.contract import StageFailure
from mammoflow_jobs.contract.parameters import has_parameter_schema, section_defaults, stage_parameters
from mammoflow_jobs.models.convnext import ClassifierSpec
from mammoflow_jobs.stages import STAGES
from mammoflow_jobs.training.detector import DetectorRun
from mammoflow_jobs.training.loop import FoldRun

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mammoflow_jobs"
READERS = {"integer", "number", "boolean", "text"}
STAGE_1 = {"init": "ImageNet", "lr": 1e-3, "minLr": 1e-5, "warmupLr": 1e-5, "epochs": 24, "warmupEpochs": 4}


def test_every_python_stage_has_a_generated_parameter_schema():
    assert all(has_parameter_schema(stage) for stage in STAGES)
    assert not has_parameter_schema("predict")  # a TypeScript stage reads its own with zod


def literal_defaults(path: Path) -> list[str]:
    """`params.<reader>(values, key, <literal>, …)` calls: a default that the catalogue should hold."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in READERS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "params"
            and len(node.args) >= 3
            and isinstance(node.args[2], ast.Constant)
        ):
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    return found


def test_the_stages_read_no_default_of_their_own():
    readers = [*sorted((PACKAGE / "stages").glob("*.py")), PACKAGE / "models" / "convnext.py"]
    assert [p.name for p in readers if "request.parameters" in p.read_text("utf-8")] == []
    assert [found for path in readers for found in literal_defaults(path)] == []
    for run in (FoldRun, DetectorRun):
        defaulted = [f.name for f in dataclasses.fields(run) if f.default is not dataclasses.MISSING]
        assert defaulted == [], run.__name__


def test_the_classifier_defaults_are_the_catalogues():
    model = section_defaults("train-fold", "model")
    assert ClassifierSpec() == ClassifierSpec(
        architecture=model["architecture"],
        global_pool=model["globalPool"],
        drop_rate=model["dropRate"],
        drop_path_rate=model["dropPathRate"],
        input_height=model["inputHeight"],
        input_width=model["inputWidth"],
    )
    assert (ClassifierSpec().drop_rate, ClassifierSpec().input_height) == (0.5, 2048)


def test_absent_parameters_take_the_seeds_values_at_every_depth():
    fold = stage_parameters("train-fold", {"fold": 1, "stage": {**STAGE_1, "smoothing": 0.2}})
    assert fold["numFolds"] == 4 and fold["augment"] is True
    assert fold["training"]["emaDecay"] == 0.9998
    assert fold["training"]["sampler"] == {
        "positiveRatio": 0.1429,
        "precomputedEpochs": 35,
        "seed": 42,
        "onePositiveMode": True,
    }
    assert fold["model"]["pretrained"] == "assets/public_pretrains/convnext_small.fb_in22k_ft_in1k_384.safetensors"
    assert (
        stage_parameters(
            "train-fold", {"fold": 1, "model": {"pretrained": None}, "stage": {**STAGE_1, "smoothing": 0}}
        )["model"]["pretrained"]
        is None
    )
    assert stage_parameters("cv-split", {}) == {
        "cvSplit": {"folds": 4, "seed": 67, "dataset": "rsna-breast-cancer-detection"}
    }
    detector = stage_parameters("train-detector", {"training": {"epochs": 2}})
    assert detector["training"]["epochs"] == 2 and detector["training"]["emaDecay"] == 0.9998
    assert (detector["dataLoaderWorkers"], detector["checkpointEverySteps"], detector["deterministic"]) == (
        4,
        50,
        False,
    )
    assert stage_parameters("export-onnx", {"model": "yolox-nano"}) == {"model": "yolox-nano", "opset": 15}
    assert stage_parameters("export-onnx", {"model": {}})["export"]["workspaceBytes"] == 2**32
    dense = {**STAGE_1, "smoothing": 0, "denseValidationFrom": None}
    assert "denseValidationFrom" not in stage_parameters("train-fold", {"fold": 0, "stage": dense})["stage"]
    given = {"cvSplit": {"folds": 5}, "extra": 1}
    assert stage_parameters("cv-split", given)["cvSplit"]["folds"] == 5 and given == {
        "cvSplit": {"folds": 5},
        "extra": 1,
    }


@pytest.mark.parametrize(
    ("stage", "parameters", "message"),
    [
        ("train-fold", {"fold": 0}, "parameters.stage is required"),
        ("cv-split", {"cvSplit": {"folds": 1}}, "parameters.cvSplit.folds must be ≥ 2, got 1"),
        (
            "train-detector",
            {"training": {"init": "Imagenet"}},
            "parameters.training.init must be one of ['Coco', 'Random'], got 'Imagenet'",
        ),
        ("export-onnx", {"model": 3}, "parameters.model must be an object, got 3"),
        (
            "export-onnx",
            {"model": "yolox-nano", "inputSize": 100},
            "parameters.inputSize must be a multiple of 32, got 100",
        ),
        (
            "build-engine",
            {"export": {"precision": "Int8"}},
            "parameters.export.precision must be one of ['Fp16', 'Fp32'], got 'Int8'",
        ),
        (
            "select-checkpoints",
            {"selection": {"candidates": [{"fold": "a", "epochs": [1]}]}},
            "parameters.selection.candidates.0.fold must be an integer, got 'a'",
        ),
    ],
)
def test_a_parameter_the_schema_refuses_is_a_bad_request_naming_the_field(stage, parameters, message):
    with pytest.raises(StageFailure) as failure:
        stage_parameters(stage, parameters)
    assert (failure.value.reason, failure.value.message) == ("BadRequest", message)
