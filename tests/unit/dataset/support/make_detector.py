"""Exports the real YOLOX-nano graph as detector.onnx into a folder.

Usage: make_detector.py OUT_DIR [CHECKPOINT]. Without a checkpoint the weights are random (fixed
seed); with one (e.g. the demo detector assets/samples/models/yolox_nano_roi.pth) they are loaded
strictly, as export-onnx loads a checkpoint file, and exported at 416 as that stage does. The
export-onnx stage's builder writes it, so the folder looks like that stage's output
(detector.onnx + detector.json).
"""

import sys
from pathlib import Path

import torch
from mammoflow_jobs.export.builders import export_detector
from mammoflow_jobs.models.yolox_nano import build_yolox_nano, load_yolox_nano

if __name__ == "__main__":
    if len(sys.argv) > 2:
        checkpoint = Path(sys.argv[2])
        export_detector(
            load_yolox_nano(checkpoint), Path(sys.argv[1]), 416, 15, checkpoint.name
        )
    else:
        torch.manual_seed(2023)
        export_detector(
            build_yolox_nano(), Path(sys.argv[1]), 416, 15, "random weights (tests)"
        )
