"""build-engine: rendered TensorRT commands and options (pure), and the CPU-pod failure."""

import json
from pathlib import Path

import pytest
import torch
from conftest import make_request
from test_export_onnx import save_seed_fold_checkpoint

from mammoflow_jobs.engines.tensorrt import (
    EngineSpec,
    engine_file_name,
    gpu_availability,
    model_input,
    ort_tensorrt_options,
    trtexec_command,
)
from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES

SEED_ENSEMBLE = EngineSpec(
    onnx_path=Path("/s/ensemble.onnx"),
    engine_path=Path("/s/ensemble_a100_fp32_batch2.engine"),
    input_name="images",
    chw=(3, 2048, 1024),
    precision="Fp32",
    min_batch=1,
    opt_batch=2,
    max_batch=2,
    workspace_bytes=2**32,
)


def test_trtexec_command_of_the_seeds_ensemble_engine():
    assert trtexec_command(SEED_ENSEMBLE) == [
        "trtexec",
        "--onnx=/s/ensemble.onnx",
        "--saveEngine=/s/ensemble_a100_fp32_batch2.engine",
        "--minShapes=images:1x3x2048x1024",
        "--optShapes=images:2x3x2048x1024",
        "--maxShapes=images:2x3x2048x1024",
        "--memPoolSize=workspace:4096",
        "--skipInference",
    ]
    fp16 = EngineSpec(**{**SEED_ENSEMBLE.__dict__, "precision": "Fp16"})
    assert trtexec_command(fp16)[-1] == "--fp16"


def test_ort_tensorrt_provider_options():
    assert ort_tensorrt_options(SEED_ENSEMBLE, "trt-cache") == {
        "trt_engine_cache_enable": True,
        "trt_engine_cache_path": "trt-cache",
        "trt_fp16_enable": False,
        "trt_max_workspace_size": 4294967296,
        "trt_profile_min_shapes": "images:1x3x2048x1024",
        "trt_profile_opt_shapes": "images:2x3x2048x1024",
        "trt_profile_max_shapes": "images:2x3x2048x1024",
    }


def test_engine_names_say_the_gpu_type():
    assert engine_file_name("ensemble", "a100", "Fp32", 2) == "ensemble_a100_fp32_batch2.engine"
    assert (
        engine_file_name("detector", "nvidia.com/A100 80GB", "Fp16", 1)
        == "detector_nvidia-com-A100-80GB_fp16_batch1.engine"
    )


@pytest.mark.parametrize(
    ("cuda", "environ", "devices", "present", "permanent"),
    [
        (True, {}, ["nvidia0"], True, False),
        (False, {}, [], False, True),  # CPU-only pod: the same Job gives the same pod
        (False, {"NVIDIA_VISIBLE_DEVICES": "void"}, [], False, True),
        (False, {"NVIDIA_VISIBLE_DEVICES": "GPU-1234"}, [], False, False),  # granted but broken: retry
        (False, {}, ["nvidia0"], False, False),
    ],
)
def test_gpu_availability(cuda, environ, devices, present, permanent):
    result = gpu_availability(cuda, environ, devices)
    assert (result.present, result.permanent) == (present, permanent)


def make_export(storage):
    """A real small ensemble.onnx through export-onnx, as build-engine's input."""
    (storage / "sel").mkdir()
    for k in range(2):
        save_seed_fold_checkpoint(storage / "sel" / f"best_convnext_fold_{k}.pth.tar", k)
    request = make_request(
        "export-onnx",
        inputs={"selection": "sel"},
        parameters={"model": {"architecture": "convnext_atto", "inputHeight": 64, "inputWidth": 32}},
        outputDir="export",
    )
    path = storage / "export.json"
    path.write_text(json.dumps(request))
    assert run_stage(STAGES, "export-onnx", path, storage) == 0


def test_on_a_cpu_pod_build_engine_fails_permanently_with_a_clear_message(storage, write_request, monkeypatch):
    make_export(storage)
    assert model_input(storage / "export/ensemble.onnx") == ("images", ("batch", 3, 64, 32))
    cpu_pod = gpu_availability(False, {}, [])
    monkeypatch.setattr("mammoflow_jobs.stages.build_engine.gpu_availability", lambda _cuda: cpu_pod)
    request = make_request(
        "build-engine",
        inputs={"onnx": "export"},
        parameters={"export": {"precision": "Fp16"}, "gpuType": "a100"},
        outputDir="engine",
    )
    assert run_stage(STAGES, "build-engine", write_request(request), storage) == 2
    error = json.loads((storage / "engine/result.json").read_text())["error"]
    assert error["reason"] == "BadRequest" and "no GPU in this pod" in error["message"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_this_machine_is_seen_as_gpu_less():
    assert not gpu_availability(torch.cuda.is_available()).present


def test_bad_batch_order_is_a_bad_request(storage, write_request):
    (storage / "empty").mkdir()
    request = make_request(
        "build-engine", inputs={"onnx": "empty"}, parameters={"export": {"minBatch": 4, "optBatch": 2}}, outputDir="e"
    )
    assert run_stage(STAGES, "build-engine", write_request(request), storage) == 2
