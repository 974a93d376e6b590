"""What a TensorRT build of an exported model is: the builder settings and the ONNX Runtime
TensorRT-EP options, rendered from the model's input and the EnsembleExport parameters.

Everything here is pure so it can be tested without a GPU (`gpu_availability` only reads the
environment); `engines/tensorrt_build.py` hands the settings to TensorRT's Python builder. The
seed's ensemble engine: fp32, dynamic batch min 1 / opt 2 / max 2 at 3×2048×1024, workspace
2^32 B; its detector engine: fp16, batch 1.
"""

import os
from dataclasses import dataclass
from pathlib import Path

import onnx


@dataclass(frozen=True)
class EngineSpec:
    onnx_path: Path
    engine_path: Path
    input_name: str
    chw: tuple[int, int, int]
    precision: str  # "Fp32" | "Fp16"
    min_batch: int
    opt_batch: int
    max_batch: int
    workspace_bytes: int


def model_input(path: Path) -> tuple[str, tuple[int | str, ...]]:
    """Name and shape of the first graph input (symbolic dims as their names)."""
    model = onnx.load(str(path), load_external_data=False)
    tensor = model.graph.input[0]
    dims = tuple(d.dim_param if d.dim_param else d.dim_value for d in tensor.type.tensor_type.shape.dim)
    return tensor.name, dims


def shape_text(name: str, batch: int, chw: tuple[int, int, int]) -> str:
    return f"{name}:{batch}x{chw[0]}x{chw[1]}x{chw[2]}"


@dataclass(frozen=True)
class BuildSettings:
    """Everything TensorRT's builder is told for one engine (what `trtexec --onnx … --saveEngine …
    --minShapes/--optShapes/--maxShapes … --memPoolSize=workspace:… [--fp16]` said before).

    TensorRT 11 networks are always strongly typed: the builder has no FP16 flag any more, the
    precision is the ONNX graph's. So `fp16` means: convert the graph to float16 (inputs and
    outputs stay float32) before TensorRT parses it. Everything the trtexec command did not set
    (TF32, optimisation level, timing cache, plugins) stays at the builder's defaults.
    """

    onnx_path: Path
    engine_path: Path
    fp16: bool
    workspace_bytes: int  # IBuilderConfig memory pool WORKSPACE, exact (trtexec took whole MiB)
    input_name: str
    min_shape: tuple[int, ...]  # optimisation profile of the one input: the batch dimension varies
    opt_shape: tuple[int, ...]
    max_shape: tuple[int, ...]

    def describe(self) -> dict:
        """The settings as JSON, for engines.json (which names the ONNX and engine files beside them)."""
        return {
            "fp16": self.fp16,
            "workspaceBytes": self.workspace_bytes,
            "input": self.input_name,
            "minShape": list(self.min_shape),
            "optShape": list(self.opt_shape),
            "maxShape": list(self.max_shape),
        }


def build_settings(spec: EngineSpec) -> BuildSettings:
    """The builder settings of an EngineSpec (pure)."""
    return BuildSettings(
        onnx_path=spec.onnx_path,
        engine_path=spec.engine_path,
        fp16=spec.precision == "Fp16",
        workspace_bytes=spec.workspace_bytes,
        input_name=spec.input_name,
        min_shape=(spec.min_batch, *spec.chw),
        opt_shape=(spec.opt_batch, *spec.chw),
        max_shape=(spec.max_batch, *spec.chw),
    )


def ort_tensorrt_options(spec: EngineSpec, cache_dir: str) -> dict:
    """Provider options of ONNX Runtime's TensorRT execution provider that build the same engine
    once and keep it in `cache_dir` (the TypeScript predict stage can pass them unchanged)."""
    return {
        "trt_engine_cache_enable": True,
        "trt_engine_cache_path": cache_dir,
        "trt_fp16_enable": spec.precision == "Fp16",
        "trt_max_workspace_size": spec.workspace_bytes,
        "trt_profile_min_shapes": shape_text(spec.input_name, spec.min_batch, spec.chw),
        "trt_profile_opt_shapes": shape_text(spec.input_name, spec.opt_batch, spec.chw),
        "trt_profile_max_shapes": shape_text(spec.input_name, spec.max_batch, spec.chw),
    }


def engine_file_name(model_stem: str, gpu_type: str, precision: str, max_batch: int) -> str:
    """Engines are specific to a GPU type and TensorRT version: the name says which GPU."""
    safe_gpu = "".join(c if c.isalnum() or c in "-_" else "-" for c in gpu_type) or "gpu"
    return f"{model_stem}_{safe_gpu}_{precision.lower()}_batch{max_batch}.engine"


@dataclass(frozen=True)
class GpuAvailability:
    present: bool
    permanent: bool  # True: this pod will never see a GPU (retrying cannot help)
    reason: str


def gpu_availability(cuda_available: bool, environ: dict | None = None, device_files: list[str] | None = None):
    """Is there a GPU, and if not, could a retry of the same pod get one?

    No CUDA device, no NVIDIA device node and no device granted by the runtime
    (NVIDIA_VISIBLE_DEVICES unset, empty, 'void' or 'none') means the pod was scheduled
    without a GPU: the same Job template gives the same pod, so it is permanent. A device
    node without a working CUDA context is a driver/runtime fault, worth a retry.
    """
    environ = dict(os.environ) if environ is None else environ
    if device_files is None:
        device_files = sorted(p.name for p in Path("/dev").glob("nvidia[0-9]*"))
    if cuda_available:
        return GpuAvailability(True, False, "CUDA device available")
    visible = environ.get("NVIDIA_VISIBLE_DEVICES", "").strip().lower()
    granted = visible not in ("", "void", "none")
    if not device_files and not granted:
        return GpuAvailability(
            False,
            True,
            "no GPU in this pod (no CUDA device, no /dev/nvidia*, NVIDIA_VISIBLE_DEVICES unset): "
            "build-engine must run on a GPU node of the pool it builds for",
        )
    return GpuAvailability(
        False, False, f"a GPU is assigned ({', '.join(device_files) or visible}) but CUDA cannot use it"
    )
