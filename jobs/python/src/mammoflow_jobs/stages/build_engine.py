"""build-engine (seed J7): TensorRT engines of the exported ONNX models, on the GPU type they serve.

Input `onnx`: an export-onnx folder (ensemble.onnx and/or detector.onnx). Parameters:
`export` (EnsembleExport: precision, minBatch/optBatch/maxBatch, workspaceBytes), `gpuType`.
Writes `<model>_<gpu>_<precision>_batch<N>.engine` per model, built with TensorRT's Python
builder (`engines/tensorrt_build.py`; TensorRT's log beside it as `….log`), `engines.json`
(what was built, with the exact builder settings) and `ort-tensorrt.json` (TensorRT-EP options
for ONNX Runtime with an engine cache in `trt-cache/`). The detector is built as the seed's:
fp16, batch 1. TensorRT 11 has no fp16 builder flag (networks are strongly typed), so an fp16
engine is built from the graph converted to float16 (float32 inputs and outputs).

Needs a CUDA device (a GPU-less pod fails with exit 2: the same Job gets the same pod) and the
`tensorrt` package (the GPU stage image; without it: exit 2, naming the package).
"""

import shutil

import torch

from .. import params
from ..contract import StageFailure, write_json_atomic
from ..engines.tensorrt import (
    EngineSpec,
    build_settings,
    engine_file_name,
    gpu_availability,
    model_input,
    ort_tensorrt_options,
)
from ..engines.tensorrt_build import build_engine, import_tensorrt
from ..runner import StageContext
from . import stage

MODELS = ("ensemble", "detector")


def engine_specs(ctx: StageContext) -> list[EngineSpec]:
    export = params.section(ctx.request.stage_parameters, "export")
    w = "export"
    precision = params.text(export, "precision", where=w, choices={"Fp32", "Fp16"})
    batches = [
        params.integer(export, key, where=w, minimum=1, maximum=256) for key in ("minBatch", "optBatch", "maxBatch")
    ]
    if not batches[0] <= batches[1] <= batches[2]:
        raise StageFailure("BadRequest", "parameters.export: need minBatch <= optBatch <= maxBatch")
    workspace = params.integer(export, "workspaceBytes", where=w, minimum=1 << 20)
    gpu_type = params.text(ctx.request.stage_parameters, "gpuType")
    folder = ctx.input_path("onnx")
    specs = []
    for stem in MODELS:
        path = folder / f"{stem}.onnx"
        if not path.is_file():
            continue
        name, shape = model_input(path)
        if len(shape) != 4 or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
            raise StageFailure("BadInput", f"{path}: input {name} must be [N,C,H,W] with fixed C,H,W, got {shape}")
        if stem == "detector":
            model_precision, (low, opt, high) = "Fp16", (1, 1, 1)
        else:
            model_precision, (low, opt, high) = precision, batches
        engine = ctx.output_dir / engine_file_name(stem, gpu_type, model_precision, high)
        specs.append(EngineSpec(path, engine, name, tuple(shape[1:]), model_precision, low, opt, high, workspace))
    if not specs:
        raise StageFailure("MissingArtifact", f"input 'onnx' ({folder}) has neither ensemble.onnx nor detector.onnx")
    return specs


@stage("build-engine")
def build_engine_stage(ctx: StageContext) -> None:
    specs = engine_specs(ctx)
    gpu = gpu_availability(torch.cuda.is_available())
    if not gpu.present:
        raise StageFailure("BadRequest" if gpu.permanent else "Internal", f"build-engine: {gpu.reason}")
    trt = import_tensorrt()
    built = []
    for spec in specs:
        settings = build_settings(spec)
        build_engine(settings, trt, spec.engine_path.with_suffix(".log"))
        ctx.add_artifact(spec.engine_path.name, spec.engine_path)
        built.append(
            {
                "onnx": spec.onnx_path.name,
                "engine": spec.engine_path.name,
                "tensorrt": getattr(trt, "__version__", "unknown"),
                "settings": settings.describe(),
            }
        )
        # The folder serves as the deployable model on its own: ONNX (for ONNX Runtime's TensorRT
        # provider) and card travel with the engine.
        for source in (spec.onnx_path, spec.onnx_path.with_suffix(".json")):
            if source.is_file():
                shutil.copyfile(source, ctx.output_dir / source.name)
    ensemble = next((s for s in specs if s.onnx_path.stem == "ensemble"), specs[0])
    write_json_atomic(ctx.output_dir / "ort-tensorrt.json", ort_tensorrt_options(ensemble, "trt-cache"))
    write_json_atomic(ctx.output_dir / "engines.json", {"engines": built})
    for name in ("engines.json", "ort-tensorrt.json"):
        ctx.add_artifact(name, ctx.output_dir / name)
