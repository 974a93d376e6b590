"""Writing ONNX files with the names and shapes the TypeScript inference reads (issue #4).

detector: `images` [1,3,H,W] float 0..255 → `output` [1,A,6] (tx,ty,tw,th,obj,cls; YOLOX
`decode_in_inference = False`). ensemble: `images` [N,3,H,W] float 0..255 → `probabilities` [N,F].
The legacy TorchScript exporter (`dynamo=False`) is used: it gives plain opset-15 graphs with a
named dynamic batch axis, which is what the seed exported through torch2trt.
"""

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn

INPUT_NAME = "images"
DETECTOR_OUTPUT = "output"
ENSEMBLE_OUTPUT = "probabilities"


def export_onnx(
    model: nn.Module, example: torch.Tensor, path: Path, output_name: str, opset: int, dynamic_batch: bool
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {INPUT_NAME: {0: "batch"}, output_name: {0: "batch"}} if dynamic_batch else None
    temporary = path.with_name(path.name + ".partial")
    with torch.no_grad():
        torch.onnx.export(
            model.eval(),
            (example,),
            str(temporary),
            input_names=[INPUT_NAME],
            output_names=[output_name],
            dynamic_axes=axes,
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    onnx.checker.check_model(str(temporary))
    temporary.replace(path)


def run_onnx(path: Path, images: np.ndarray) -> np.ndarray:
    """Outputs of ONNX Runtime on CPU, the reference runtime for parity with PyTorch."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, {INPUT_NAME: images.astype(np.float32)})[0]


def max_abs_difference(model: nn.Module, path: Path, images: torch.Tensor) -> float:
    """Largest |ONNX Runtime − PyTorch fp32| on the given input (docs/seed-pipeline.md#parity-tolerances, P5 and P8)."""
    with torch.no_grad():
        expected = model.eval()(images).numpy()
    actual = run_onnx(path, images.numpy())
    if actual.shape != expected.shape:
        raise AssertionError(f"ONNX output shape {actual.shape} differs from PyTorch {expected.shape}")
    return float(np.max(np.abs(actual.astype(np.float64) - expected.astype(np.float64))))


def write_model_card(path: Path, card: dict) -> None:
    """A JSON file beside the model saying what it is (sizes, names, sources)."""
    path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", "utf-8")
