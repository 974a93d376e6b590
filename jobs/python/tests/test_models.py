"""Model construction: pretrained weights from local files, the seed's YOLOX-nano keys."""

import torch

from mammoflow_jobs.models.convnext import ClassifierSpec, create_classifier
from mammoflow_jobs.models.yolox_nano import build_yolox_nano, load_pretrained_skipping_mismatch


def test_classifier_takes_imagenet_weights_from_a_file_and_drops_the_1000_class_head(tmp_path):
    import timm

    torch.manual_seed(3)
    imagenet = timm.create_model("convnext_atto", pretrained=False)
    torch.save(imagenet.state_dict(), tmp_path / "atto.pth")
    spec = ClassifierSpec("convnext_atto", input_height=64, input_width=32)
    model = create_classifier(spec, tmp_path / "atto.pth")
    assert torch.equal(model.state_dict()["stem.0.weight"], imagenet.state_dict()["stem.0.weight"])
    assert model.head.fc.weight.shape == (1, 320)
    assert model.head.global_pool.pool_type == "max" and model.head.drop.p == 0.5
    # drop_path_rate 0.2 grows linearly over the blocks: the last block has the full rate.
    assert abs(model.stages[-1].blocks[-1].drop_path.drop_prob - 0.2) < 1e-7  # computed in float32 by timm


def test_yolox_nano_has_the_seeds_keys_and_takes_coco_weights_except_the_class_layers(tmp_path):
    model = build_yolox_nano()
    keys = model.state_dict().keys()
    assert "backbone.backbone.stem.conv.conv.weight" in keys and "head.obj_preds.2.bias" in keys
    assert model.head.cls_preds[0].weight.shape[0] == 1
    bn = model.backbone.backbone.stem.conv.bn
    assert bn.eps == 1e-3 and bn.momentum == 0.03
    assert sum(p.numel() for p in model.parameters()) == 896754

    coco = build_yolox_nano(num_classes=80)
    torch.save({"model": coco.state_dict()}, tmp_path / "yolox_nano.pth")
    skipped = load_pretrained_skipping_mismatch(model, tmp_path / "yolox_nano.pth")
    assert skipped == [f"head.cls_preds.{i}.{p}" for i in range(3) for p in ("bias", "weight")]
    assert torch.equal(model.state_dict()["head.reg_preds.0.weight"], coco.state_dict()["head.reg_preds.0.weight"])


def test_seed_checkpoints_with_pickled_args_still_load(tmp_path):
    """timm's CheckpointSaver stores the argparse Namespace under `args`: the safe loader refuses it."""
    import argparse

    from mammoflow_jobs.models.checkpoints import load_checkpoint_file
    from mammoflow_jobs.models.convnext import fold_weights

    spec = ClassifierSpec("convnext_atto", input_height=64, input_width=32)
    model = create_classifier(spec)
    state = {"module." + k: v for k, v in model.state_dict().items()}  # saved from a DDP wrapper
    path = tmp_path / "checkpoint-12.pth.tar"
    torch.save({"epoch": 12, "args": argparse.Namespace(lr=1e-3), "state_dict": state}, path)
    weights = fold_weights(load_checkpoint_file(path), path)
    assert weights.keys() == model.state_dict().keys()


def test_a_file_that_is_no_checkpoint_is_a_permanent_bad_input_naming_it(tmp_path):
    import pytest

    from mammoflow_jobs.contract import StageFailure
    from mammoflow_jobs.models.checkpoints import load_checkpoint_file

    for name, content in (("notes.pth", b"this is not a checkpoint\n"), ("cut.pth", b"PK\x03\x04")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(StageFailure) as failure:
            load_checkpoint_file(path)
        assert failure.value.reason == "BadInput"
        assert f"cannot read checkpoint {path}" in str(failure.value)
