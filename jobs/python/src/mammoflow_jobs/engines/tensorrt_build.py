"""Building a TensorRT engine with TensorRT's Python builder (the `tensorrt` package of the
`tensorrt-cu13` wheel; the wheel has no `trtexec`). The settings come from
`engines.tensorrt.build_settings` (pure); this module only hands them to TensorRT:

    network   = Builder.create_network()               (TensorRT 11: always explicit batch, strongly typed)
    OnnxParser(network).parse(the ONNX, float16 first when settings.fp16)
    config    = Builder.create_builder_config()
    config.set_memory_pool_limit(MemoryPoolType.WORKSPACE, workspace bytes)
    profile   = Builder.create_optimization_profile(); profile.set_shape(input, min, opt, max)
    engine    = Builder.build_serialized_network(network, config)   → written atomically

It needs a CUDA device and the `tensorrt` package, which only the GPU stage image has; the tests
run it against a stand-in module.
"""

import os
import warnings
from pathlib import Path
from types import ModuleType

import onnx
from onnxconverter_common import float16

from ..contract import StageFailure, temporary_beside
from .tensorrt import BuildSettings

TENSORRT_PACKAGE = "tensorrt-cu13"


def import_tensorrt() -> ModuleType:
    """The `tensorrt` module, or a permanent failure that says which image is needed."""
    try:
        import tensorrt
    except (ImportError, OSError) as error:  # OSError: the wheel is there but its libraries are not
        raise StageFailure(
            "BadRequest",
            f"build-engine: the Python package 'tensorrt' ({TENSORRT_PACKAGE}) cannot be imported ({error}); "
            "build-engine must run in the GPU stage image with TensorRT installed",
        ) from error
    return tensorrt


def fp16_onnx(onnx_path: Path) -> bytes:
    """The model with its float32 weights and computation in float16, inputs and outputs still
    float32 (TensorRT 11 takes the precision from the graph). onnxconverter-common keeps the ops
    that need it (Resize, TopK, NonMaxSuppression, …) in float32 behind Cast nodes, and clamps
    weights to float16's range."""
    model = onnx.load(str(onnx_path))
    with warnings.catch_warnings():
        # One UserWarning per weight clamped to float16's range (|w| < 1e-7 or > 1e4): not news.
        warnings.simplefilter("ignore", UserWarning)
        converted = float16.convert_float_to_float16(model, keep_io_types=True)
    return converted.SerializeToString()


def write_bytes_atomic(path: Path, data) -> None:
    """Write then rename, so a reader (or a restarted pod) never sees a half-written engine."""
    temporary = temporary_beside(path)
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _file_logger(trt: ModuleType, handle):
    """A TensorRT logger that writes INFO and above to `handle` and keeps the errors."""

    class FileLogger(trt.ILogger):
        def __init__(self):
            trt.ILogger.__init__(self)
            self.errors: list[str] = []

        def log(self, severity, msg):
            if severity == trt.ILogger.Severity.VERBOSE:
                return
            handle.write(f"[{getattr(severity, 'name', severity)}] {msg}\n")
            handle.flush()
            if severity in (trt.ILogger.Severity.ERROR, trt.ILogger.Severity.INTERNAL_ERROR):
                self.errors.append(str(msg))

    return FileLogger()


def build_engine(settings: BuildSettings, trt: ModuleType, log_path: Path) -> None:
    """Build the engine `settings` describes with the TensorRT module `trt`; TensorRT's log goes
    to `log_path`. Writes settings.engine_path atomically; raises StageFailure on any failure."""
    onnx_name = settings.onnx_path.name
    data = fp16_onnx(settings.onnx_path) if settings.fp16 else settings.onnx_path.read_bytes()
    with open(log_path, "w", encoding="utf-8") as handle:
        logger = _file_logger(trt, handle)
        try:
            builder = trt.Builder(logger)
        except Exception as error:  # pybind11 raises TypeError when CUDA cannot be initialised
            raise StageFailure(
                "Internal", f"TensorRT could not create a builder ({error}): no usable CUDA device or driver"
            ) from error
        network = builder.create_network(0)
        parser = trt.OnnxParser(network, logger)
        if not parser.parse(data, str(settings.onnx_path)):
            messages = [str(parser.get_error(i)) for i in range(parser.num_errors)] or logger.errors
            raise StageFailure(
                "BadInput",
                f"TensorRT's ONNX parser rejected {settings.onnx_path}: " + "; ".join(messages or ["no message"]),
                str(settings.onnx_path),
            )
        inputs = [network.get_input(i).name for i in range(network.num_inputs)]
        if settings.input_name not in inputs:
            raise StageFailure(
                "BadInput",
                f"{onnx_name}: TensorRT sees inputs {inputs}, not {settings.input_name}",
                str(settings.onnx_path),
            )
        config = builder.create_builder_config()
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, settings.workspace_bytes)
        profile = builder.create_optimization_profile()
        profile.set_shape(settings.input_name, settings.min_shape, settings.opt_shape, settings.max_shape)
        if config.add_optimization_profile(profile) < 0:
            raise StageFailure(
                "BadRequest",
                f"{onnx_name}: TensorRT rejected the optimisation profile {settings.input_name} "
                f"min {settings.min_shape} opt {settings.opt_shape} max {settings.max_shape}",
            )
        serialized = builder.build_serialized_network(network, config)
        if serialized is None:
            detail = "; ".join(logger.errors[-5:]) or "no error message"
            raise StageFailure(
                "Internal", f"TensorRT could not build an engine of {onnx_name} ({detail}); see {log_path}"
            )
        write_bytes_atomic(settings.engine_path, serialized)
