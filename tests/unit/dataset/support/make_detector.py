"""Exports the real YOLOX-nano graph (random weights, fixed seed) as detector.onnx into a folder.

Usage: make_detector.py OUT_DIR. The export-onnx stage's builder writes it, so the folder looks
like that stage's output (detector.onnx + detector.json).
"""

import sys
from pathlib import Path

import torch
from mammoflow_jobs.export.builders import export_detector
from mammoflow_jobs.models.yolox_nano import build_yolox_nano

if __name__ == "__main__":
    torch.manual_seed(2023)
    export_detector(
        build_yolox_nano(), Path(sys.argv[1]), 416, 15, "random weights (tests)"
    )
