"""Small ONNX models for the inference tests, from the real architectures (jobs/python).

    make_models.py OUT_DIR

Writes into OUT_DIR (deterministic weights, so the files are the same on every run of a stack):
  detector.onnx / detector.pt          YOLOX-nano at 416, random weights: scores stay near the
                                       1e-2 prior, so no box passes 0.5 (the Otsu branch)
  detector-confident.onnx / .pt        the same with the stride-32 scores raised and spread, and
                                       box sizes of about 300 px, so a top box is accepted (YOLOX branch)
  ensemble.onnx / ensemble.pt          convnext_atto × 4 folds at 256×128, [N,3,H,W] → [N,4]
  models.json                          sizes and names
The .pt files hold the state dicts the Python reference (seed_reference.py) rebuilds.
"""

import json
import math
import sys
from pathlib import Path

import torch
from mammoflow_jobs.export.onnx_models import (
    DETECTOR_OUTPUT,
    ENSEMBLE_OUTPUT,
    export_onnx,
)
from mammoflow_jobs.models.convnext import (
    ClassifierSpec,
    FoldEnsemble,
    create_classifier,
)
from mammoflow_jobs.models.yolox_nano import build_yolox_nano

DETECTOR_SIZE = 416
CLASSIFIER = {"architecture": "convnext_atto", "height": 256, "width": 128, "folds": 4}


def build_detector(confident: bool) -> torch.nn.Module:
    torch.manual_seed(2023)
    model = build_yolox_nano().eval()
    model.head.decode_in_inference = False
    if confident:
        # Only the stride-32 level becomes confident, with scores spread well apart (no near
        # ties, so the top box does not depend on float noise) and boxes of about 300 px.
        obj, cls, reg = (
            model.head.obj_preds[2],
            model.head.cls_preds[2],
            model.head.reg_preds[2],
        )
        with torch.no_grad():
            obj.weight.mul_(8.0)
            obj.bias.fill_(1.0)
            cls.bias.fill_(6.0)
            reg.bias[2:4].fill_(math.log(300 / 32))
    return model


def build_ensemble() -> torch.nn.Module:
    torch.manual_seed(2024)
    spec = ClassifierSpec(
        architecture=CLASSIFIER["architecture"],
        input_height=CLASSIFIER["height"],
        input_width=CLASSIFIER["width"],
    )
    return FoldEnsemble(
        [create_classifier(spec).eval() for _ in range(CLASSIFIER["folds"])]
    ).eval()


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    example = torch.full((1, 3, DETECTOR_SIZE, DETECTOR_SIZE), 114.0)
    for name, confident in (("detector", False), ("detector-confident", True)):
        model = build_detector(confident)
        export_onnx(model, example, out / f"{name}.onnx", DETECTOR_OUTPUT, 15, False)
        torch.save(model.state_dict(), out / f"{name}.pt")
    ensemble = build_ensemble()
    shape = (1, 3, CLASSIFIER["height"], CLASSIFIER["width"])
    export_onnx(
        ensemble, torch.zeros(shape), out / "ensemble.onnx", ENSEMBLE_OUTPUT, 15, True
    )
    torch.save(ensemble.state_dict(), out / "ensemble.pt")
    card = {"detectorSize": DETECTOR_SIZE, "classifier": CLASSIFIER}
    (out / "models.json").write_text(json.dumps(card, indent=2) + "\n")


if __name__ == "__main__":
    main()
