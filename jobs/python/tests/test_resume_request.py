"""Resume state belongs to the request that wrote it: an edited stage starts fresh in its folder."""

import json

import torch
from synthetic import write_classification_data
from test_train_fold import STAGE_1, train_request

from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES
from mammoflow_jobs.training import loop
from mammoflow_jobs.training.resume import PROGRESS_FILE, RESUME_FILE, load_state, save_state


def test_a_state_of_another_request_is_not_resumed_and_is_removed(tmp_path):
    save_state(tmp_path, {"progress": {"epoch": 1, "step": 3}, "weights": torch.ones(2), "requestDigest": "a" * 64})
    assert json.loads((tmp_path / PROGRESS_FILE).read_text())["requestDigest"] == "a" * 64
    assert load_state(tmp_path, "a" * 64)["progress"] == {"epoch": 1, "step": 3}
    assert load_state(tmp_path, "b" * 64) is None
    assert not (tmp_path / RESUME_FILE).exists() and not (tmp_path / PROGRESS_FILE).exists()


def test_a_restart_with_new_hyper_parameters_trains_afresh_instead_of_resuming_the_old_model(tmp_path, monkeypatch):
    storage = tmp_path / "storage"
    storage.mkdir()
    write_classification_data(storage, patients=8, external_patients=2)

    # The old request's pod stops before it cleans up: its resume state (at its last epoch) and
    # its checkpoints stay in the stage folder, which the edited stage writes into as well.
    old = storage / "old.json"
    old.write_text(json.dumps(train_request("run/fold", STAGE_1), sort_keys=True))
    with monkeypatch.context() as patch:
        patch.setattr(loop.FoldTrainer, "finish", lambda self: None)
        assert run_stage(STAGES, "train-fold", old, storage) == 0
    assert (storage / "run/fold" / RESUME_FILE).is_file()
    assert (storage / "run/fold/checkpoint-2.pth.tar").is_file()

    edited_stage = {
        **STAGE_1,
        "lr": 5e-4,
        "epochs": 1,
        "warmupEpochs": 0,
        "denseValidationFrom": None,
        "denseValidationTo": None,
    }
    edited = storage / "edited.json"
    edited.write_text(json.dumps(train_request("run/fold", edited_stage), sort_keys=True))
    assert run_stage(STAGES, "train-fold", edited, storage) == 0

    result = json.loads((storage / "run/fold/result.json").read_text())
    assert "resumedAtEpoch" not in result["metrics"]
    assert result["metrics"]["epochs"] == 2  # one epoch and the cooldown: the edited request's
    checkpoints = sorted(a["name"] for a in result["artifacts"] if a["name"].startswith("checkpoint-"))
    assert checkpoints == ["checkpoint-0.pth.tar", "checkpoint-1.pth.tar"]  # none of the old request's
    summary = (storage / "run/fold/summary.csv").read_text().splitlines()
    assert len(summary) == 3  # header and the edited request's two epochs
    assert not (storage / "run/fold" / RESUME_FILE).exists()
