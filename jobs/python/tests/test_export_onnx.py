"""export-onnx: seed-format checkpoints of random weights → ONNX, ONNX Runtime vs PyTorch fp32.

Tolerances P5 and P8 of docs/seed-pipeline.md#parity-tolerances.
"""

import json
import shutil

import numpy as np
import onnx
import pytest
import torch
from conftest import make_request

from mammoflow_jobs.export.onnx_models import run_onnx
from mammoflow_jobs.models.convnext import ClassifierSpec, FoldEnsemble, create_classifier
from mammoflow_jobs.models.yolox_nano import anchors_for, build_yolox_nano
from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES

SMALL = {"architecture": "convnext_atto", "inputHeight": 128, "inputWidth": 64}


def save_seed_fold_checkpoint(path, seed: int) -> torch.nn.Module:
    """A timm training checkpoint as the seed writes it: state_dict, state_dict_ema, args."""
    torch.manual_seed(seed)
    spec = ClassifierSpec(architecture="convnext_atto", input_height=128, input_width=64)
    model, ema = create_classifier(spec), create_classifier(spec)
    with torch.no_grad():
        for p in ema.parameters():
            p.add_(0.01 * torch.randn_like(p))
    checkpoint = {"epoch": 3, "arch": "convnext_atto", "state_dict": model.state_dict()}
    torch.save(checkpoint | {"state_dict_ema": ema.state_dict()}, path)
    return ema.eval()


def run_export_onnx(storage, write_request, folds: list[str], model, output_dir: str) -> int:
    """export-onnx's exit code on the fold checkpoints `folds` (inputs fold0, fold1, ...)."""
    request = make_request(
        "export-onnx",
        inputs={f"fold{k}": path for k, path in enumerate(folds)},
        parameters={"model": model},
        outputDir=output_dir,
    )
    return run_stage(STAGES, "export-onnx", write_request(request), storage)


@pytest.fixture(scope="module")
def fold_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("fold") / "f0.pth.tar"
    save_seed_fold_checkpoint(path, 0)
    return path


def read(storage, request, name):
    return json.loads((storage / request["outputDir"] / name).read_text())


def test_detector_export_matches_pytorch_and_has_the_contract_shape(storage, write_request):
    torch.manual_seed(0)
    model = build_yolox_nano()
    (storage / "ckpt").mkdir()
    torch.save({"start_epoch": 10, "model": model.state_dict(), "best_ap": 0.5}, storage / "ckpt" / "best_ckpt.pth")
    request = make_request(
        "export-onnx",
        inputs={"checkpoint": "ckpt"},
        parameters={"model": "yolox-nano", "inputSize": 256, "tensorRT": False},
        outputDir="out/detector",
    )
    assert run_stage(STAGES, "export-onnx", write_request(request), storage) == 0

    path = storage / "out/detector/detector.onnx"
    graph = onnx.load(str(path)).graph
    assert [i.name for i in graph.input] == ["images"] and [o.name for o in graph.output] == ["output"]
    image = torch.rand(1, 3, 256, 256, generator=torch.Generator().manual_seed(5)) * 255
    model.eval().head.decode_in_inference = False
    with torch.no_grad():
        expected = model(image).numpy()
    actual = run_onnx(path, image.numpy())
    assert actual.shape == (1, anchors_for(256, 256), 6) == (1, 1344, 6)
    assert np.abs(actual[..., 4:] - expected[..., 4:]).max() <= 1e-4
    assert np.abs(actual[..., :4] - expected[..., :4]).max() <= 1e-3
    assert ((actual[..., 4:] >= 0) & (actual[..., 4:] <= 1)).all()  # obj, cls are sigmoid-ed
    assert read(storage, request, "result.json")["metrics"]["maxAbsDiffOnnxVsTorch"] <= 1e-3
    assert anchors_for(416, 416) == 3549


def test_ensemble_export_takes_ema_weights_and_matches_pytorch(storage, write_request):
    (storage / "sel").mkdir()
    emas = [save_seed_fold_checkpoint(storage / "sel" / f"best_convnext_fold_{k}.pth.tar", k) for k in range(4)]
    request = make_request(
        "export-onnx",
        inputs={"selection": "sel"},
        parameters={"model": SMALL, "export": {"opset": 15}},
        outputDir="out/engine",
    )
    assert run_stage(STAGES, "export-onnx", write_request(request), storage) == 0

    path = storage / "out/engine/ensemble.onnx"
    model = onnx.load(str(path))
    assert model.opset_import[0].version == 15
    assert [o.name for o in model.graph.output] == ["probabilities"]
    reference = FoldEnsemble(emas).eval()
    for batch in (1, 3):
        images = torch.rand(batch, 3, 128, 64, generator=torch.Generator().manual_seed(batch)) * 255
        with torch.no_grad():
            expected = reference(images).numpy()
        actual = run_onnx(path, images.numpy())
        assert actual.shape == (batch, 4)
        assert np.abs(actual - expected).max() <= 1e-4
    # The per-fold columns differ (distinct weights), and they are the EMA weights, not state_dict.
    assert len({round(float(v), 6) for v in actual[0]}) == 4
    card = read(storage, request, "ensemble.json")
    assert card["input"]["shape"] == ["N", 3, 128, 64] and card["folds"] == 4


def test_ensemble_from_named_fold_inputs_and_normalisation_inside(storage, write_request):
    for k in range(2):
        save_seed_fold_checkpoint(storage / f"f{k}.pth.tar", 10 + k)
    assert run_export_onnx(storage, write_request, ["f0.pth.tar", "f1.pth.tar"], SMALL, "out/e2") == 0
    ensemble = FoldEnsemble([torch.nn.Identity()])
    assert torch.allclose(ensemble.mean.flatten(), torch.tensor([123.675, 116.28, 103.53]))
    assert torch.allclose(ensemble.std.flatten(), torch.tensor([58.395, 57.12, 57.375]))


@pytest.mark.parametrize(
    ("inputs", "parameters", "message"),
    [
        ({"fold0": "f0.pth.tar", "fold2": "f0.pth.tar"}, {"model": SMALL}, "are not folds 0..1"),
        ({"fold0": "f0.pth.tar"}, {"model": {**SMALL, "architecture": "convnext_tiny"}}, "does not fit convnext_tiny"),
        ({"fold0": "f0.pth.tar"}, {"model": 3}, "parameters.model must be"),
        ({"checkpoint": "f0.pth.tar"}, {"model": "yolox-nano", "inputSize": 100}, "multiple of 32"),
        ({"checkpoint": "f0.pth.tar"}, {"model": "yolox-nano"}, "has no 'model' state dict"),
    ],
)
def test_bad_requests_fail_permanently_naming_the_cause(
    storage, write_request, fold_checkpoint, inputs, parameters, message
):
    shutil.copy(fold_checkpoint, storage / "f0.pth.tar")
    request = make_request("export-onnx", inputs=inputs, parameters=parameters, outputDir="out/bad")
    assert run_stage(STAGES, "export-onnx", write_request(request), storage) == 2
    assert message in read(storage, request, "result.json")["error"]["message"]
