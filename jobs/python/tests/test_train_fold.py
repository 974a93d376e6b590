"""train-fold on CPU: a small ConvNeXt on synthetic crops; outputs, stage-2 init, ONNX export."""

import json
import logging

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import make_request, time_limit
from synthetic import write_classification_data
from test_export_onnx import run_export_onnx

from mammoflow_jobs.export.onnx_models import run_onnx
from mammoflow_jobs.models.convnext import ClassifierSpec, FoldEnsemble, create_classifier
from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES
from mammoflow_jobs.training.loop import validation_name

MODEL = {"architecture": "convnext_atto", "inputHeight": 64, "inputWidth": 32, "pretrained": None}
TRAINING = {
    "device": "Cpu",  # a toy run: the default (Cuda) refuses a machine without a GPU
    "batchSize": 4,
    "validationBatchSize": 8,
    "dataLoaderWorkers": 0,
    "externalDatasets": ["bmcd"],
    "sampler": {"precomputedEpochs": 4},
}
STAGE_1 = {
    "init": "ImageNet",
    "lr": 1e-3,
    "minLr": 1e-5,
    "warmupLr": 1e-5,
    "epochs": 2,
    "warmupEpochs": 1,
    "smoothing": 0.2,
    "denseValidationFrom": 1,
    "denseValidationTo": 1,
}


def train_request(out: str, stage: dict, inputs: dict | None = None, **extra) -> dict:
    training = {**TRAINING, "deterministic": True}
    parameters = {"fold": 0, "numFolds": 2, "model": MODEL, "training": training, "stage": stage}
    return make_request(
        "train-fold",
        inputs={"crops": "crops", "split": "split", **(inputs or {})},
        parameters=parameters | extra,
        outputDir=out,
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One stage-1 run (3 epochs incl. cooldown) and a stage-2 run starting from it."""
    import json as _json

    storage = tmp_path_factory.mktemp("storage")
    write_classification_data(storage)
    results = {}
    events = Events()
    progress_log = logging.getLogger("mammoflow.progress")
    progress_log.addHandler(events)
    progress_log.setLevel(logging.INFO)  # as configure_logging sets it for a stage process
    for name, request in {
        "s1": train_request("run/s1", STAGE_1),
        "s2": train_request(
            "run/s2",
            {
                **STAGE_1,
                "init": "PreviousStage",
                "lr": 1e-3,
                "warmupLr": 1e-3,
                "epochs": 1,
                "warmupEpochs": 0,
                "smoothing": 0.1,
                "denseValidationFrom": None,
                "denseValidationTo": None,
            },
            {"previous": "run/s1"},
        ),
    }.items():
        request["stage"] = "train-fold"
        path = storage / f"{name}.json"
        path.write_text(_json.dumps(request, sort_keys=True))
        results[name] = run_stage(STAGES, "train-fold", path, storage)
        results[f"{name}-progress"], events.seen = events.seen, []
    progress_log.removeHandler(events)
    progress_log.setLevel(logging.NOTSET)
    return storage, results


class Events(logging.Handler):
    """The progress events a run logs (logs.py writes each as a JSON line)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.progress)


def test_stage_one_writes_the_seeds_files(trained):
    storage, codes = trained
    assert codes["s1"] == 0
    out = storage / "run/s1"
    summary = pd.read_csv(out / "summary.csv")
    train = pd.concat(
        [pd.read_csv(storage / "split/cv/v2/train_fold_0.csv"), pd.read_csv(storage / "crops/bmcd/cleaned_label.csv")]
    )
    negatives = int((train.cancer == 0).sum())
    n = (int(0.1429 * negatives) + negatives) // 4  # updates per epoch (BalanceSamplerV2, batch 4)
    mid = validation_name(1, n // 2 + 1, n)  # dense epoch 1: one extra validation after n//2 + 1 updates
    assert summary["epoch"].tolist() == [0.0, mid, 1.0, 2.0] and 0 < mid < 1
    mid_name = f"{mid:g}"
    for name in ("0", mid_name, "1", "2"):
        checkpoint = torch.load(out / f"checkpoint-{name}.pth.tar", weights_only=True)
        assert set(checkpoint) >= {"state_dict", "state_dict_ema", "epoch"}
        frame = pd.read_csv(out / "results" / f"pred_{name}.csv")
        assert {"patient_id", "laterality", "cancer", "preds", "targets"} <= set(frame.columns)
        assert frame["preds"].between(0, 1).all()
    last = torch.load(out / "checkpoint-2.pth.tar", weights_only=True)
    key = "head.fc.weight"
    assert not torch.equal(last["state_dict"][key], last["state_dict_ema"][key])
    assert not (out / "resume" / "state.pt").exists()
    result = json.loads((out / "result.json").read_text())
    assert result["metrics"]["epochs"] == 3


def test_training_logs_epoch_step_loss_rate_eta_and_validation_pf1(trained):
    storage, results = trained
    events = results["s1-progress"]
    summary = pd.read_csv(storage / "run/s1/summary.csv")
    n = events[0]["steps"]
    assert events[0] | {"rate": 0} == {
        "stage": "train-fold",
        "unit": "steps",
        "done": 1,
        "total": 3 * n,
        "epoch": 1,
        "epochs": 3,
        "step": 1,
        "steps": n,
        "loss": events[0]["loss"],
        "rate": 0,
    }
    # Each validation logs an event at once, with its pF1 (summary.csv's gbmean_best_pfbeta).
    validated = [e for e in events if e["step"] == n or (e["epoch"] == 2 and e["step"] == n // 2 + 1)]
    assert [(e["epoch"], e["step"], e["done"]) for e in validated] == [
        (1, n, n),
        (2, n // 2 + 1, n + n // 2 + 1),
        (2, n, 2 * n),
        (3, n, 3 * n),
    ]
    assert [e["pF1"] for e in validated] == pytest.approx(summary["gbmean_best_pfbeta"].tolist())
    assert all(e["rate"] > 0 and e["etaSeconds"] >= 0 for e in events[1:])
    assert validated[-1] == events[-1] and events[-1]["etaSeconds"] == 0
    assert all(json.loads(json.dumps(e, allow_nan=False)) == e for e in events)


def test_stage_two_starts_from_the_previous_runs_last_ema(trained):
    storage, codes = trained
    assert codes["s2"] == 0
    first = torch.load(storage / "run/s2/checkpoint-0.pth.tar", weights_only=True)["state_dict_ema"]
    previous = torch.load(storage / "run/s1/checkpoint-2.pth.tar", weights_only=True)["state_dict_ema"]
    # After one epoch at decay 0.9998, the EMA is within a hair of its starting point (the previous EMA).
    difference = max((first[k].float() - previous[k].float()).abs().max().item() for k in previous)
    assert 0 < difference < 1e-3


def test_trained_folds_export_to_onnx_matching_pytorch(trained, write_request):
    storage, _ = trained
    checkpoints = ["run/s1/checkpoint-2.pth.tar", "run/s2/checkpoint-1.pth.tar"]
    assert run_export_onnx(storage, write_request, checkpoints, MODEL, "run/export") == 0
    spec = ClassifierSpec("convnext_atto", input_height=64, input_width=32)
    folds = []
    for path in checkpoints:
        model = create_classifier(spec)
        model.load_state_dict(torch.load(storage / path, weights_only=True)["state_dict_ema"])
        folds.append(model.eval())
    images = torch.rand(3, 3, 64, 32, generator=torch.Generator().manual_seed(0)) * 255
    with torch.no_grad():
        expected = FoldEnsemble(folds)(images).numpy()
    assert np.abs(run_onnx(storage / "run/export/ensemble.onnx", images.numpy()) - expected).max() <= 1e-4


def test_bad_training_parameters_are_permanent(tmp_path, write_request):
    storage = tmp_path / "st"
    storage.mkdir()
    write_classification_data(storage, patients=4, external_patients=1)
    bad = train_request("bad", {**STAGE_1, "warmupEpochs": 2})
    assert run_stage(STAGES, "train-fold", write_request(bad), storage) == 2
    short = train_request("short", STAGE_1, training={**TRAINING, "sampler": {"precomputedEpochs": 2}})
    assert run_stage(STAGES, "train-fold", write_request(short, "r2.json"), storage) == 2
    message = json.loads((storage / "short/result.json").read_text())["error"]["message"]
    assert "precomputedEpochs" in message


def test_random_init_needs_no_pretrained_file_and_imagenet_does(tmp_path, write_request):
    storage = tmp_path / "st"
    storage.mkdir()
    write_classification_data(storage, patients=4, external_patients=1)
    absent = {**MODEL, "pretrained": "assets/public_pretrains/absent.safetensors"}
    imagenet = train_request("imagenet", STAGE_1, model=absent)
    assert run_stage(STAGES, "train-fold", write_request(imagenet), storage) == 2
    error = json.loads((storage / "imagenet/result.json").read_text())["error"]
    assert error["reason"] == "MissingArtifact"
    assert "absent.safetensors" in error["message"]
    random_start = train_request("random", {**STAGE_1, "init": "Random"}, model=absent)
    assert run_stage(STAGES, "train-fold", write_request(random_start, "r2.json"), storage) == 0
    assert (storage / "random/checkpoint-1.pth.tar").is_file()
    unknown = train_request("unknown", {**STAGE_1, "init": "Scratch"})
    assert run_stage(STAGES, "train-fold", write_request(unknown, "r3.json"), storage) == 2
    assert "stage.init" in json.loads((storage / "unknown/result.json").read_text())["error"]["message"]


def write_split(storage, train_cancer: list[int], val_cancer: list[int]) -> None:
    """Fold 0 of 2 with the given labels; the refusal comes before any image is read."""
    (storage / "crops" / "rsna-breast-cancer-detection" / "cleaned_images").mkdir(parents=True)
    folder = storage / "split" / "cv" / "v2"
    folder.mkdir(parents=True)
    for part, cancer in (("train", train_cancer), ("val", val_cancer)):
        rows = [{"patient_id": i, "image_id": 100 + i, "cancer": c} for i, c in enumerate(cancer)]
        pd.DataFrame(rows).to_csv(folder / f"{part}_fold_0.csv", index=False)


@pytest.fixture
def within_ten_seconds():
    """The old sampler looped forever without positives: fail fast instead of hanging the suite."""
    with time_limit(10, "train-fold"):
        yield


@pytest.mark.parametrize(
    ("train_cancer", "message"),
    [
        (
            [0] * 40,
            "fold 0 of 2, training part (train_fold_0.csv and the external datasets): 0 positive and 40 negative "
            "image(s): the class-balancing sampler needs at least one positive (cancer) image; every cancer case is "
            "in this fold's validation part: use fewer folds (cvSplit.folds), more RSNA cancer patients, or external "
            "datasets with cancer cases (training.externalDatasets)",
        ),
        (
            [1, 0, 0],
            "fold 0 of 2, training part (train_fold_0.csv and the external datasets): 1 positive and 2 negative "
            "image(s) make no full batch: an epoch has (int(positiveRatio·negatives) + negatives) // batchSize = "
            "(int(0.1429·2) + 2) // 4 = 0 batches; lower training.batchSize, use fewer folds (cvSplit.folds) "
            "or add data",
        ),
    ],
    ids=["no-positive", "smaller-than-a-batch"],
)
def test_a_training_part_the_sampler_cannot_balance_fails_before_training(
    tmp_path, write_request, within_ten_seconds, train_cancer, message
):
    storage = tmp_path / "st"
    storage.mkdir()
    write_split(storage, train_cancer, [1, 0])
    request = train_request("out", STAGE_1, training={**TRAINING, "externalDatasets": []})
    assert run_stage(STAGES, "train-fold", write_request(request), storage) == 2
    error = json.loads((storage / "out/result.json").read_text())["error"]
    assert error == {"reason": "BadInput", "message": message, "file": str(storage / "split/cv/v2/train_fold_0.csv")}
    assert not list((storage / "out").glob("checkpoint-*")) and not (storage / "out/resume").exists()
