"""roi-dataset and train-detector on synthetic images, then export of the trained detector.

See docs/seed-pipeline.md#detector-labels and docs/seed-pipeline.md#detector-training.
"""

import json

import cv2
import numpy as np
import pytest
import torch
from conftest import make_request
from synthetic import breast_image

from mammoflow_jobs.data.yolo_to_coco import box_annotation
from mammoflow_jobs.export.onnx_models import run_onnx
from mammoflow_jobs.models.yolox_nano import load_yolox_nano
from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES
from mammoflow_jobs.training.detector import stream_batches, uses_l1


def test_box_rules_of_the_seeds_converter():
    # cx 0.3·200 = 60, w 0.8·200 = 160 → x0 = max(60 − 80, 0) = 0 (clipped), width kept at 160.
    annotation = box_annotation("0 0.3 0.5 0.8 0.5", 200, 100, 7, 12)
    assert annotation["bbox"] == [0, 25.0, 160.0, 50.0]
    assert annotation["area"] == 160.0 * 50.0
    assert annotation["category_id"] == 1 and annotation["image_id"] == 7 and annotation["id"] == 12
    assert box_annotation("0 0.5 0.5", 10, 10, 1, 1) is None


def write_yolo_set(storage, train: int, val: int):
    rng = np.random.default_rng(4)
    labels, images = storage / "labels", storage / "pngs"
    (labels / "labels").mkdir(parents=True)
    images.mkdir()
    (labels / "classes.txt").write_text("ROI\n")
    for split, count in (("train", train), ("val", val)):
        entries = []
        for i in range(count):
            name = f"{100 + i}@{split}{i}"
            h, w = int(rng.integers(150, 220)), int(rng.integers(90, 140))
            canvas = np.zeros((h, w), np.uint8)
            bh, bw = int(h * rng.uniform(0.5, 0.8)), int(w * rng.uniform(0.4, 0.7))
            top, left = int(rng.integers(0, h - bh)), int(rng.integers(0, w - bw))
            canvas[top : top + bh, left : left + bw] = breast_image(rng, bh, bw, 0) | 1
            cv2.imwrite(str(images / f"{name}.png"), canvas)
            (labels / "labels" / f"{name}.txt").write_text(
                f"0 {(left + bw / 2) / w} {(top + bh / 2) / h} {bw / w} {bh / h}\n"
            )
            entries.append(f"images/{name}.png")
        (labels / f"{split}.txt").write_text("\n".join(entries) + "\n")


@pytest.fixture(scope="module")
def detector_storage(tmp_path_factory):
    storage = tmp_path_factory.mktemp("det")
    write_yolo_set(storage, train=6, val=3)
    request = make_request("roi-dataset", inputs={"labels": "labels", "images": "pngs"}, outputDir="run/roi")
    path = storage / "roi.json"
    path.write_text(json.dumps(request))
    assert run_stage(STAGES, "roi-dataset", path, storage) == 0
    training = {
        "device": "Cpu",
        "inputSize": 128,
        "epochs": 2,
        "warmupEpochs": 1,
        "noAugEpochs": 1,
        "batchSize": 4,
        # Random: the COCO file, absent from this storage, is not read (a toy run's detector).
        "init": "Random",
        "pretrained": "assets/public_pretrains/yolox_nano.pth",
    }
    request = make_request(
        "train-detector",
        inputs={"roiDataset": "run/roi"},
        parameters={"training": training, "dataLoaderWorkers": 0, "deterministic": True, "checkpointEverySteps": 1},
        outputDir="run/train",
    )
    path = storage / "train.json"
    path.write_text(json.dumps(request))
    code = run_stage(STAGES, "train-detector", path, storage)
    return storage, code


def test_roi_dataset_writes_coco_with_the_seeds_ids(detector_storage):
    storage, _ = detector_storage
    coco = storage / "run/roi/coco_format"
    train = json.loads((coco / "annotations/instances_train2017.json").read_text())
    val = json.loads((coco / "annotations/instances_val2017.json").read_text())
    assert [i["id"] for i in train["images"]] == list(range(1, 7))
    assert [i["id"] for i in val["images"]] == [1, 2, 3]
    # Annotation ids run on from train into val, as in the seed's converter.
    assert [a["id"] for a in train["annotations"]] == list(range(1, 7))
    assert [a["id"] for a in val["annotations"]] == [7, 8, 9]
    assert train["categories"] == [{"supercategory": "ROI", "id": 1, "name": "ROI"}]
    first = cv2.imread(str(coco / "train2017/000000000001.jpg"))
    assert first.shape[:2] == (train["images"][0]["height"], train["images"][0]["width"])


def test_train_detector_checkpoints_and_exports(detector_storage, write_request):
    storage, code = detector_storage
    assert code == 0
    out = storage / "run/train"
    best = torch.load(out / "best_ckpt.pth", weights_only=True)
    assert {"model", "start_epoch", "best_ap", "curr_ap"} <= set(best)
    history = json.loads((out / "history.json").read_text())["epochs"]
    assert [h["epoch"] for h in history] == [0, 1] and all(0 <= h["ap50_95"] <= 1 for h in history)
    assert not (out / "resume/state.pt").exists()

    request = make_request(
        "export-onnx",
        inputs={"checkpoint": "run/train"},
        parameters={"model": "yolox-nano"},  # the size comes from the training folder's history.json
        outputDir="run/export",
    )
    assert run_stage(STAGES, "export-onnx", write_request(request), storage) == 0
    model = load_yolox_nano(out / "best_ckpt.pth")
    image = torch.full((1, 3, 128, 128), 114.0)
    image[..., :100, :60] = torch.rand(1, 3, 100, 60, generator=torch.Generator().manual_seed(1)) * 255
    with torch.no_grad():
        expected = model(image).numpy()
    actual = run_onnx(storage / "run/export/detector.onnx", image.numpy())
    assert actual.shape == (1, 16 * 16 + 8 * 8 + 4 * 4, 6)
    assert np.abs(actual[..., 4:] - expected[..., 4:]).max() <= 1e-4
    assert np.abs(actual[..., :4] - expected[..., :4]).max() <= 1e-3


@pytest.mark.parametrize(
    ("init", "reason", "message"),
    [
        ({}, "MissingArtifact", "pretrained detector not found: "),
        ({"init": "Coco"}, "MissingArtifact", "pretrained detector not found: "),
        ({"init": "Imagenet"}, "BadRequest", "parameters.training.init must be one of ['Coco', 'Random']"),
    ],
)
def test_detector_starting_from_coco_needs_the_pretrained_file(detector_storage, write_request, init, reason, message):
    storage, _ = detector_storage
    training = {"device": "Cpu", "inputSize": 128, "epochs": 2, "warmupEpochs": 1, "noAugEpochs": 1, **init}
    training["pretrained"] = "assets/public_pretrains/yolox_nano.pth"
    request = make_request(
        "train-detector", inputs={"roiDataset": "run/roi"}, parameters={"training": training}, outputDir="run/coco"
    )
    assert run_stage(STAGES, "train-detector", write_request(request), storage) == 2
    error = json.loads((storage / "run/coco/result.json").read_text())["error"]
    assert error["reason"] == reason
    assert message in error["message"]


def test_missing_images_are_a_permanent_failure(tmp_path, write_request):
    storage = tmp_path / "s"
    storage.mkdir()
    write_yolo_set(storage, train=2, val=1)
    next((storage / "pngs").iterdir()).unlink()
    request = make_request("roi-dataset", inputs={"labels": "labels", "images": "pngs"}, outputDir="o")
    assert run_stage(STAGES, "roi-dataset", write_request(request), storage) == 2
    message = json.loads((storage / "o/result.json").read_text())["error"]["message"]
    assert "1 image(s) of" in message and "not DICOMs" in message


def test_interrupted_detector_training_resumes_to_the_same_checkpoints(detector_storage, tmp_path, monkeypatch):
    import shutil

    import mammoflow_jobs.training.detector as detector

    storage, code = detector_storage
    assert code == 0
    copy = tmp_path / "copy"
    shutil.copytree(storage / "run/roi", copy / "run/roi")
    shutil.copy(storage / "train.json", copy / "train.json")

    real_save = detector.save_state

    def save_then_die(folder, state):
        real_save(folder, state)
        if state["progress"]["epoch"] == 1 and state["progress"]["step"] == 1:
            raise KeyboardInterrupt  # like a kill: no result.json, nothing cleaned up

    monkeypatch.setattr(detector, "save_state", save_then_die)
    with pytest.raises(KeyboardInterrupt):
        run_stage(STAGES, "train-detector", copy / "train.json", copy)
    monkeypatch.setattr(detector, "save_state", real_save)
    assert not (copy / "run/train/result.json").exists()

    assert run_stage(STAGES, "train-detector", copy / "train.json", copy) == 0
    metrics = json.loads((copy / "run/train/result.json").read_text())["metrics"]
    assert (metrics["resumedAtEpoch"], metrics["resumedAtUpdate"]) == (1, 1)
    for name in ("latest_ckpt.pth", "best_ckpt.pth"):
        a = torch.load(storage / "run/train" / name, weights_only=True)["model"]
        b = torch.load(copy / "run/train" / name, weights_only=True)["model"]
        assert all(torch.equal(a[k], b[k]) for k in a), name


class BoxesAsDetections(torch.nn.Module):
    """Stands in for YOLOX's decoded output: one box per image, given in original-image pixels."""

    def __init__(self, boxes: dict, scales: dict):
        super().__init__()
        self.head = torch.nn.Module()
        self.head.decode_in_inference = True
        self.boxes, self.scales, self.calls = boxes, scales, 0

    def forward(self, images):
        rows = []
        for _ in range(images.shape[0]):
            self.calls += 1
            x, y, w, h = self.boxes[self.calls]
            r = self.scales[self.calls]
            # A second, zero-score row: YOLOX's postprocess squeezes a single-anchor output into a wrong shape.
            rows.append([[(x + w / 2) * r, (y + h / 2) * r, w * r, h * r, 1.0, 1.0], [8.0, 8.0, 4.0, 4.0, 0.0, 0.0]])
        return torch.tensor(rows, dtype=torch.float32)


@pytest.mark.parametrize(("iou", "expected_ap"), [(1.0, 1.0), (0.72, 0.5), (0.56, 0.2), (0.4, 0.0)])
def test_coco_ap_of_known_detections(detector_storage, iou, expected_ap):
    """One detection per image at a chosen IoU with its box: AP50:95 = share of thresholds 0.50…0.95 it passes."""
    from yolox.data import COCODataset, ValTransform

    from mammoflow_jobs.training.detector import coco_ap

    storage, _ = detector_storage
    dataset = COCODataset(
        str(storage / "run/roi/coco_format"), "instances_val2017.json", "val2017", (128, 128), preproc=ValTransform()
    )
    boxes, scales = {}, {}
    for image in dataset.coco.dataset["images"]:
        (annotation,) = dataset.coco.loadAnns(dataset.coco.getAnnIds(imgIds=[image["id"]]))
        x, y, w, h = annotation["bbox"]
        shift = w * (1 - iou) / (1 + iou)  # same-size box moved along x: IoU = (w − d)/(w + d)
        boxes[image["id"]] = (x + shift, y, w, h)
        scales[image["id"]] = min(128 / image["height"], 128 / image["width"])
    assert coco_ap(BoxesAsDetections(boxes, scales), dataset, torch.device("cpu"), batch_size=2) == pytest.approx(
        expected_ap, abs=1e-9
    )


def test_batches_are_the_seeds_endless_stream_of_full_batches():
    # The seed's YOLOX loader: InfiniteSampler(seed 42) under YoloBatchSampler; 73 images in
    # batches of 64 make 2 iterations per epoch, every batch full, epochs running into each other.
    from yolox.data import InfiniteSampler, YoloBatchSampler

    seed_batches = iter(YoloBatchSampler(InfiniteSampler(73, seed=42), batch_size=64, drop_last=False, mosaic=False))
    expected = [[int(index) for _, index in next(seed_batches)] for _ in range(3 * 2)]
    ours = [batch for epoch in range(3) for batch in stream_batches(73, 64, 42, epoch * 2, 2)]
    assert ours == expected
    assert {len(batch) for batch in ours} == {64}
    # A run resumed at epoch 1, iteration 1 reads the batch the uninterrupted run read there.
    assert stream_batches(73, 64, 42, 1 * 2 + 1, 1) == [expected[3]]


def test_l1_loss_is_on_in_the_seeds_last_no_aug_epochs_plus_one():
    # YOLOX Trainer.before_epoch: `epoch + 1 == max_epoch - no_aug_epochs` turns it on for good.
    assert [epoch for epoch in range(400) if uses_l1(epoch, 400, 5)] == list(range(394, 400))
    assert [epoch for epoch in range(3) if uses_l1(epoch, 3, 1)] == [1, 2]
