"""build-engine (seed J7): TensorRT engines of the exported ONNX models, on the GPU type they serve.

Input `onnx`: an export-onnx folder (ensemble.onnx and/or detector.onnx). Parameters:
`export` (EnsembleExport: precision, minBatch/optBatch/maxBatch, workspaceBytes), `gpuType`.
Writes `<model>_<gpu>_<precision>_batch<N>.engine` per model (trtexec), `engines.json` (what
was built, with the exact commands) and `ort-tensorrt.json` (TensorRT-EP options for ONNX
Runtime with an engine cache in `trt-cache/`). The detector is built as the seed's: fp16, batch 1.
"""

import shutil
import subprocess

import torch

from .. import params
from ..contract import StageFailure, write_json_atomic
from ..engines.tensorrt import (
    EngineSpec,
    engine_file_name,
    gpu_availability,
    model_input,
    ort_tensorrt_options,
    trtexec_command,
)
from ..runner import StageContext
from . import stage

MODELS = ("ensemble", "detector")


def engine_specs(ctx: StageContext) -> list[EngineSpec]:
    export = params.section(ctx.request.parameters, "export")
    w = "export"
    precision = params.text(export, "precision", "Fp32", where=w, choices={"Fp32", "Fp16"})
    batches = [
        params.integer(export, key, default, where=w, minimum=1, maximum=256)
        for key, default in (("minBatch", 1), ("optBatch", 2), ("maxBatch", 2))
    ]
    if not batches[0] <= batches[1] <= batches[2]:
        raise StageFailure("BadRequest", "parameters.export: need minBatch <= optBatch <= maxBatch")
    workspace = params.integer(export, "workspaceBytes", 2**32, where=w, minimum=1 << 20)
    gpu_type = params.text(ctx.request.parameters, "gpuType", "gpu")
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
    trtexec = shutil.which("trtexec")
    if trtexec is None:
        raise StageFailure("BadRequest", "build-engine: trtexec (TensorRT) is not installed in this image")
    built = []
    for spec in specs:
        command = trtexec_command(spec, trtexec)
        log_path = spec.engine_path.with_suffix(".log")
        with open(log_path, "w", encoding="utf-8") as log:
            finished = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
        if finished.returncode != 0 or not spec.engine_path.is_file():
            raise StageFailure(
                "Internal", f"trtexec failed ({finished.returncode}) for {spec.onnx_path.name}; see {log_path}"
            )
        ctx.add_artifact(spec.engine_path.name, spec.engine_path)
        built.append({"onnx": spec.onnx_path.name, "engine": spec.engine_path.name, "command": command})
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
