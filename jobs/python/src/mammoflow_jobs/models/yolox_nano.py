"""YOLOX-nano as the seed's experiment builds it (docs/seed-pipeline.md#detector-training), from the `yolox` package.

The seed's `yolox_nano_416_roi_torch.pth` is a YOLOX checkpoint: {"model": state_dict, ...}
with keys `backbone.backbone.stem.conv.conv.weight`, …, `head.cls_preds.0.bias`.
"""

from pathlib import Path

from torch import nn
from yolox.models import YOLOPAFPN, YOLOX, YOLOXHead

from ..contract import StageFailure
from .checkpoints import load_checkpoint_file, strip_module_prefix

DEPTH = 0.33
WIDTH = 0.25
IN_CHANNELS = (256, 512, 1024)
STRIDES = (8, 16, 32)


def build_yolox_nano(num_classes: int = 1) -> YOLOX:
    """Depthwise PAFPN + head, SiLU, BN eps 1e-3 momentum 0.03, class-bias prior 1e-2."""
    backbone = YOLOPAFPN(DEPTH, WIDTH, in_channels=list(IN_CHANNELS), act="silu", depthwise=True)
    head = YOLOXHead(num_classes, WIDTH, in_channels=list(IN_CHANNELS), act="silu", depthwise=True)
    model = YOLOX(backbone, head)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eps = 1e-3
            module.momentum = 0.03
    model.head.initialize_biases(1e-2)
    return model


def anchors_for(input_height: int, input_width: int) -> int:
    """Number of output rows: one per grid cell of each stride (3549 at 416×416)."""
    return sum((input_height // s) * (input_width // s) for s in STRIDES)


def detector_weights(checkpoint: dict, path: Path) -> dict:
    if isinstance(checkpoint.get("model"), dict):
        return strip_module_prefix(checkpoint["model"])
    raise StageFailure("BadInput", f"checkpoint {path} has no 'model' state dict (YOLOX format)", str(path))


def load_yolox_nano(path: Path) -> YOLOX:
    """The detector of a YOLOX checkpoint, in eval mode, emitting raw [B,A,6] rows."""
    model = build_yolox_nano()
    weights = detector_weights(load_checkpoint_file(path), path)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as error:
        message = str(error).splitlines()[0]
        problem = f"checkpoint {path} is not a 1-class YOLOX-nano: {message}"
        raise StageFailure("BadInput", problem, str(path)) from error
    model.eval()
    model.head.decode_in_inference = False
    return model


def load_pretrained_skipping_mismatch(model: nn.Module, path: Path) -> list[str]:
    """COCO `yolox_nano.pth` into a 1-class model: layers whose shape differs are skipped (as YOLOX does)."""
    weights = detector_weights(load_checkpoint_file(path), path)
    own = model.state_dict()
    kept = {k: v for k, v in weights.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(kept, strict=False)
    return sorted(set(own) - set(kept))
