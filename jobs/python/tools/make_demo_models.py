"""Small demo ONNX models from the real architectures, for the TypeScript parity tests and the demo.

    .venv/bin/python jobs/python/tools/make_demo_models.py [--out tmp/demo-models]

writes (random weights with a fixed seed, so the files are the same on every run of one stack):
  detector/detector.onnx + detector.json    YOLOX-nano, images [1,3,S,S] → output [1,A,6]
  ensemble/ensemble.onnx + ensemble.json    convnext_atto × 4 folds, images [N,3,H,W] → probabilities [N,4]
  reference/*.npy                           one input per model and PyTorch fp32's output on it
With --checkpoints, also the seed-format checkpoints they come from (for the export-onnx stage).
"""

import argparse
from pathlib import Path

import numpy as np
import torch

from mammoflow_jobs.export.builders import export_detector, export_ensemble
from mammoflow_jobs.models.convnext import ClassifierSpec, FoldEnsemble, create_classifier
from mammoflow_jobs.models.yolox_nano import build_yolox_nano


def reference_pair(model: torch.nn.Module, shape: tuple, seed: int, folder: Path, name: str) -> None:
    """An input shaped like real data (smooth gray image, replicated channels) and its fp32 output."""
    generator = torch.Generator().manual_seed(seed)
    gray = torch.rand((shape[0], 1, shape[2] // 8, shape[3] // 8), generator=generator) * 255
    images = torch.nn.functional.interpolate(gray, size=shape[2:], mode="bilinear").expand(shape).contiguous()
    with torch.no_grad():
        output = model.eval()(images)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"{name}_input.npy", images.numpy().astype(np.float32))
    np.save(folder / f"{name}_output.npy", output.numpy().astype(np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("tmp/demo-models"))
    parser.add_argument("--detector-size", type=int, default=416)
    parser.add_argument("--architecture", default="convnext_atto")
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--opset", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--checkpoints", action="store_true", help="also write the seed-format checkpoints")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    detector = build_yolox_nano().eval()
    detector.head.decode_in_inference = False
    report = export_detector(detector, args.out / "detector", args.detector_size, args.opset, "random weights")
    size = args.detector_size
    reference_pair(detector, (1, 3, size, size), args.seed, args.out / "reference", "detector")
    print(f"{report.onnx}: max |ORT − torch| = {report.max_abs_diff:.3g}")

    spec = ClassifierSpec(architecture=args.architecture, input_height=args.height, input_width=args.width)
    folds = [create_classifier(spec).eval() for _ in range(args.folds)]
    sources = ["random weights"] * args.folds
    out = args.out / "ensemble"
    report = export_ensemble(folds, out, args.height, args.width, args.opset, sources, spec.architecture)
    shape = (2, 3, args.height, args.width)
    reference_pair(FoldEnsemble(folds), shape, args.seed + 1, args.out / "reference", "ensemble")
    print(f"{report.onnx}: max |ORT − torch| = {report.max_abs_diff:.3g}")

    if args.checkpoints:
        torch.save({"model": detector.state_dict()}, args.out / "detector" / "yolox_nano_demo_roi_torch.pth")
        for k, fold in enumerate(folds):
            state = fold.state_dict()
            torch.save({"state_dict": state, "state_dict_ema": state}, out / f"best_convnext_fold_{k}.pth.tar")


if __name__ == "__main__":
    main()
