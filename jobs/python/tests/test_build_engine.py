"""build-engine: TensorRT builder settings and ONNX Runtime options (pure, exact values), the
builder calls against a mock of the `tensorrt` module (no GPU here), and the clear failures:
GPU-less pod, no TensorRT in the image, ONNX the parser rejects, a build that fails."""

import enum
import json
import shutil
import sys
import types
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from conftest import make_request
from test_export_onnx import save_seed_fold_checkpoint

from mammoflow_jobs.engines.tensorrt import (
    BuildSettings,
    EngineSpec,
    build_settings,
    engine_file_name,
    gpu_availability,
    model_input,
    ort_tensorrt_options,
)
from mammoflow_jobs.engines.tensorrt_build import fp16_onnx
from mammoflow_jobs.models.yolox_nano import build_yolox_nano
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


def test_builder_settings_of_the_seeds_ensemble_engine():
    assert build_settings(SEED_ENSEMBLE) == BuildSettings(
        onnx_path=Path("/s/ensemble.onnx"),
        engine_path=Path("/s/ensemble_a100_fp32_batch2.engine"),
        fp16=False,
        workspace_bytes=4294967296,
        input_name="images",
        min_shape=(1, 3, 2048, 1024),
        opt_shape=(2, 3, 2048, 1024),
        max_shape=(2, 3, 2048, 1024),
    )
    assert build_settings(SEED_ENSEMBLE).describe() == {
        "fp16": False,
        "workspaceBytes": 4294967296,
        "input": "images",
        "minShape": [1, 3, 2048, 1024],
        "optShape": [2, 3, 2048, 1024],
        "maxShape": [2, 3, 2048, 1024],
    }
    detector = EngineSpec(
        Path("/s/detector.onnx"), Path("/s/d.engine"), "images", (3, 416, 416), "Fp16", 1, 1, 1, 2**30
    )
    settings = build_settings(detector)
    assert (settings.fp16, settings.workspace_bytes) == (True, 1073741824)
    assert settings.min_shape == settings.opt_shape == settings.max_shape == (1, 3, 416, 416)


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


def test_on_a_cpu_pod_build_engine_fails_permanently_with_a_clear_message(
    storage, write_request, monkeypatch, exported
):
    shutil.copytree(exported, storage / "export")
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


# --- the builder path, against a mock of TensorRT (no GPU and no tensorrt wheel here) ---------


def mock_tensorrt(parse_errors: tuple[str, ...] = (), build_fails: bool = False) -> types.ModuleType:
    """A stand-in `tensorrt` module with the names the builder path uses (TensorRT 11 Python API:
    no BuilderFlag.FP16). It records every call in `trt.calls` and what was parsed in `trt.parsed`."""
    trt = types.ModuleType("tensorrt")
    trt.__version__ = "11.4.0.106-mock"
    trt.calls = []
    trt.parsed = []

    class ILogger:
        class Severity(enum.IntEnum):
            INTERNAL_ERROR = 0
            ERROR = 1
            WARNING = 2
            INFO = 3
            VERBOSE = 4

        def __init__(self):
            pass

    class MemoryPoolType(enum.Enum):
        WORKSPACE = 0

    class Tensor:
        def __init__(self, name):
            self.name = name

    class Network:
        def __init__(self):
            self.inputs = []

        @property
        def num_inputs(self):
            return len(self.inputs)

        def get_input(self, index):
            return Tensor(self.inputs[index])

    class ParserError:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

    class OnnxParser:
        def __init__(self, network, logger):
            self.network, self.logger = network, logger

        def parse(self, data, path=None):
            trt.calls.append(("parse", path))
            trt.parsed.append(bytes(data))
            if parse_errors:
                self.logger.log(ILogger.Severity.ERROR, "mock parser: failed")
                return False
            self.network.inputs = [i.name for i in onnx.load_from_string(bytes(data)).graph.input]
            return True

        @property
        def num_errors(self):
            return len(parse_errors)

        def get_error(self, index):
            return ParserError(parse_errors[index])

    class Config:
        def set_memory_pool_limit(self, pool, size):
            trt.calls.append(("set_memory_pool_limit", pool, size))

        def add_optimization_profile(self, profile):
            trt.calls.append(("add_optimization_profile", profile.shapes))
            return 0

    class Profile:
        shapes = None

        def set_shape(self, name, low, opt, high):
            self.shapes = (name, tuple(low), tuple(opt), tuple(high))

    class Builder:
        def __init__(self, logger):
            self.logger = logger
            logger.log(ILogger.Severity.INFO, "mock builder created")
            logger.log(ILogger.Severity.VERBOSE, "mock verbose message")

        def create_network(self, flags=0):
            trt.calls.append(("create_network", flags))
            return Network()

        def create_builder_config(self):
            return Config()

        def create_optimization_profile(self):
            return Profile()

        def build_serialized_network(self, network, config):
            trt.calls.append(("build_serialized_network", network.inputs))
            if build_fails:
                self.logger.log(ILogger.Severity.ERROR, "mock: out of workspace")
                return None
            return memoryview(b"mock-engine:" + ",".join(network.inputs).encode())

    for name, value in list(locals().items()):
        if isinstance(value, type):
            setattr(trt, name, value)
    return trt


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One real small export-onnx folder (ensemble.onnx + card) for the tests below to copy."""
    storage = tmp_path_factory.mktemp("export-storage")
    make_export(storage)
    return storage / "export"


def run_with_mock_tensorrt(storage, write_request, monkeypatch, trt, exported, export_parameters):
    shutil.copytree(exported, storage / "export")
    return build_with_mock_tensorrt(storage, write_request, monkeypatch, trt, export_parameters)


def build_with_mock_tensorrt(storage, write_request, monkeypatch, trt, export_parameters):
    """build-engine's exit code on the storage's `export` folder, on a GPU pod whose `tensorrt` is `trt`."""
    monkeypatch.setattr(
        "mammoflow_jobs.stages.build_engine.gpu_availability", lambda _cuda: gpu_availability(True, {}, [])
    )
    monkeypatch.setitem(sys.modules, "tensorrt", trt)
    request = make_request(
        "build-engine",
        inputs={"onnx": "export"},
        parameters={"export": export_parameters, "gpuType": "a100"},
        outputDir="engine",
    )
    return run_stage(STAGES, "build-engine", write_request(request), storage)


def test_engine_build_with_mock_tensorrt_passes_the_settings_to_the_builder(
    storage, write_request, monkeypatch, exported
):
    trt = mock_tensorrt()
    export = {"precision": "Fp32", "minBatch": 1, "optBatch": 2, "maxBatch": 4, "workspaceBytes": 3 << 20}
    assert run_with_mock_tensorrt(storage, write_request, monkeypatch, trt, exported, export) == 0
    onnx_path = storage / "export/ensemble.onnx"
    assert trt.calls == [
        ("create_network", 0),
        ("parse", str(onnx_path)),
        ("set_memory_pool_limit", trt.MemoryPoolType.WORKSPACE, 3 << 20),
        ("add_optimization_profile", ("images", (1, 3, 64, 32), (2, 3, 64, 32), (4, 3, 64, 32))),
        ("build_serialized_network", ["images"]),
    ]
    assert trt.parsed == [onnx_path.read_bytes()]  # fp32: the exported graph as it is
    out = storage / "engine"
    assert (out / "ensemble_a100_fp32_batch4.engine").read_bytes() == b"mock-engine:images"
    assert not list(out.glob("*.tmp-*"))
    log = (out / "ensemble_a100_fp32_batch4.log").read_text()
    assert "mock builder created" in log and "verbose" not in log
    engines = json.loads((out / "engines.json").read_text())
    assert engines == {
        "engines": [
            {
                "onnx": "ensemble.onnx",
                "engine": "ensemble_a100_fp32_batch4.engine",
                "tensorrt": "11.4.0.106-mock",
                "settings": {
                    "fp16": False,
                    "workspaceBytes": 3145728,
                    "input": "images",
                    "minShape": [1, 3, 64, 32],
                    "optShape": [2, 3, 64, 32],
                    "maxShape": [4, 3, 64, 32],
                },
            }
        ]
    }
    assert (out / "ensemble.onnx").is_file() and (out / "ensemble.json").is_file()
    assert json.loads((out / "ort-tensorrt.json").read_text())["trt_profile_max_shapes"] == "images:4x3x64x32"
    result = json.loads((out / "result.json").read_text())
    assert {a["name"] for a in result["artifacts"]} >= {
        "ensemble_a100_fp32_batch4.engine",
        "engines.json",
        "ort-tensorrt.json",
    }


def test_engine_build_with_mock_tensorrt_fp16_parses_a_float16_graph_with_float32_io(
    storage, write_request, monkeypatch, exported
):
    trt = mock_tensorrt()
    assert run_with_mock_tensorrt(storage, write_request, monkeypatch, trt, exported, {"precision": "Fp16"}) == 0
    (parsed,) = trt.parsed
    model = onnx.load_from_string(parsed)
    float_weights = [
        t for t in model.graph.initializer if t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16)
    ]
    assert float_weights and all(t.data_type == onnx.TensorProto.FLOAT16 for t in float_weights)
    io_types = {v.name: v.type.tensor_type.elem_type for v in [*model.graph.input, *model.graph.output]}
    assert io_types == {"images": onnx.TensorProto.FLOAT, "probabilities": onnx.TensorProto.FLOAT}
    assert (storage / "engine/ensemble_a100_fp16_batch2.engine").is_file()
    assert json.loads((storage / "engine/engines.json").read_text())["engines"][0]["settings"]["fp16"] is True


def test_fp16_graph_computes_what_the_fp32_graph_does(exported):
    """The float16 graph TensorRT gets for an fp16 engine, run by ONNX Runtime on CPU."""
    fp32 = ort.InferenceSession(str(exported / "ensemble.onnx"), providers=["CPUExecutionProvider"])
    fp16 = ort.InferenceSession(fp16_onnx(exported / "ensemble.onnx"), providers=["CPUExecutionProvider"])
    images = np.random.default_rng(0).uniform(0, 255, (2, 3, 64, 32)).astype(np.float32)
    expected = fp32.run(None, {"images": images})[0]
    got = fp16.run(None, {"images": images})[0]
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.abs(got - expected).max() < 2e-3  # 2.2e-4 here (convnext_atto, random weights)


def test_engine_build_with_mock_tensorrt_reports_the_parsers_errors(storage, write_request, monkeypatch, exported):
    trt = mock_tensorrt(parse_errors=("node Conv_0: unsupported attribute", "In node 3 (parse): INVALID_NODE"))
    assert run_with_mock_tensorrt(storage, write_request, monkeypatch, trt, exported, {}) == 2
    error = json.loads((storage / "engine/result.json").read_text())["error"]
    assert error["reason"] == "BadInput"
    assert str(storage / "export/ensemble.onnx") in error["message"]
    assert "node Conv_0: unsupported attribute; In node 3 (parse): INVALID_NODE" in error["message"]


def test_engine_build_with_mock_tensorrt_that_cannot_build_is_retryable(storage, write_request, monkeypatch, exported):
    trt = mock_tensorrt(build_fails=True)
    assert run_with_mock_tensorrt(storage, write_request, monkeypatch, trt, exported, {}) == 1
    error = json.loads((storage / "engine/result.json").read_text())["error"]
    assert error["reason"] == "Internal" and "mock: out of workspace" in error["message"]
    assert not list((storage / "engine").glob("*.engine*"))


def test_without_tensorrt_build_engine_fails_permanently_naming_the_package(
    storage, write_request, monkeypatch, exported
):
    # None in sys.modules makes `import tensorrt` raise ImportError, as in an image without the wheel.
    assert run_with_mock_tensorrt(storage, write_request, monkeypatch, None, exported, {}) == 2
    error = json.loads((storage / "engine/result.json").read_text())["error"]
    assert error["reason"] == "BadRequest"
    assert "'tensorrt' (tensorrt-cu13)" in error["message"] and "GPU stage image" in error["message"]


def test_detector_engine_as_the_plan_asks_builds_the_seeds_fp16_batch1_engine_with_mock_tensorrt(
    storage, write_request, monkeypatch
):
    """RoiDetectorTraining's build-engine request (operator/pipeline/kinds/roi-detector-training.ts:
    the export-onnx folder of the detector, export Fp16 batch 1/1/1) builds what the seed ran
    (docs/seed-pipeline.md#detector-output): one fp16 engine, batch 1, from the float16 graph with
    float32 input and output; the folder keeps detector.onnx, which predict and prepare-dataset open."""
    torch.manual_seed(0)
    (storage / "ckpt").mkdir()
    torch.save({"model": build_yolox_nano().state_dict()}, storage / "ckpt/best_ckpt.pth")
    export = make_request(
        "export-onnx",
        inputs={"checkpoint": "ckpt"},
        parameters={"model": "yolox-nano", "inputSize": 256},
        outputDir="export",
    )
    assert run_stage(STAGES, "export-onnx", write_request(export), storage) == 0
    trt = mock_tensorrt()
    export_parameters = {"precision": "Fp16", "minBatch": 1, "optBatch": 1, "maxBatch": 1}
    assert build_with_mock_tensorrt(storage, write_request, monkeypatch, trt, export_parameters) == 0
    assert trt.calls[-2:] == [
        ("add_optimization_profile", ("images", (1, 3, 256, 256), (1, 3, 256, 256), (1, 3, 256, 256))),
        ("build_serialized_network", ["images"]),
    ]
    (parsed,) = trt.parsed
    model = onnx.load_from_string(parsed)
    weights = [t for t in model.graph.initializer if t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16)]
    assert weights and all(t.data_type == onnx.TensorProto.FLOAT16 for t in weights)
    io_types = {v.name: v.type.tensor_type.elem_type for v in [*model.graph.input, *model.graph.output]}
    assert io_types == {"images": onnx.TensorProto.FLOAT, "output": onnx.TensorProto.FLOAT}
    out = storage / "engine"
    (engine,) = json.loads((out / "engines.json").read_text())["engines"]
    assert engine["engine"] == "detector_a100_fp16_batch1.engine" and engine["settings"]["fp16"] is True
    assert (out / "detector_a100_fp16_batch1.engine").is_file()
    assert sorted(p.name for p in out.glob("*.onnx")) == ["detector.onnx"]
