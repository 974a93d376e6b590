"""Pre-emption: SIGKILL a real train-fold process mid-epoch, restart it, get the uninterrupted weights."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import torch
from conftest import make_request
from synthetic import write_classification_data
from test_train_fold import MODEL, STAGE_1, TRAINING

from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES


def request() -> dict:
    return make_request(
        "train-fold",
        inputs={"crops": "crops", "split": "split"},
        parameters={
            "fold": 0,
            "numFolds": 2,
            "model": MODEL,
            "training": {**TRAINING, "deterministic": True, "checkpointEverySteps": 1},
            "stage": STAGE_1,
        },
        outputDir="run/fold",
    )


def write(storage, value) -> None:
    (storage / "request.json").write_text(json.dumps(value, sort_keys=True))


def _same_checkpoints(a_dir, b_dir) -> None:
    for name in ("checkpoint-1.pth.tar", "checkpoint-2.pth.tar"):
        a = torch.load(a_dir / name, weights_only=True)
        b = torch.load(b_dir / name, weights_only=True)
        for key in ("state_dict", "state_dict_ema"):
            assert a[key].keys() == b[key].keys()
            for k in a[key]:
                assert torch.equal(a[key][k], b[key][k]), (name, key, k)


def _start_stage(storage, **env):
    """train-fold of storage/request.json in its own process, one thread, as a pod would run it."""
    return subprocess.Popen(
        [sys.executable, "-m", "mammoflow_jobs", "train-fold", "--request", "request.json", "--storage-root", "."],
        cwd=storage,
        env={**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    runs = {}
    for name in ("straight", "killed"):
        storage = tmp_path / name
        storage.mkdir()
        write_classification_data(storage, patients=8, external_patients=2)
        write(storage, request())
        runs[name] = storage

    # Uninterrupted reference, in this process (one thread, deterministic algorithms).
    assert run_stage(STAGES, "train-fold", runs["straight"] / "request.json", runs["straight"]) == 0

    killed = runs["killed"]
    progress_file = killed / "run/fold/resume/progress.json"
    process = _start_stage(killed)
    deadline = time.monotonic() + 240
    at_kill = None
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                at_kill = json.loads(progress_file.read_text())
            except (OSError, json.JSONDecodeError):
                at_kill = None
            if at_kill is not None and at_kill["epoch"] == 1 and at_kill["step"] >= 1:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed mid-epoch"
    assert not (killed / "run/fold/result.json").exists()
    assert at_kill["epoch"] == 1 and at_kill["step"] >= 1

    # Same request again: the restarted stage continues from the saved mid-epoch state.
    assert run_stage(STAGES, "train-fold", killed / "request.json", killed) == 0
    metrics = json.loads((killed / "run/fold/result.json").read_text())["metrics"]
    assert metrics["resumedAtEpoch"] == 1 and metrics["resumedAtUpdate"] >= 1

    _same_checkpoints(runs["straight"] / "run/fold", killed / "run/fold")
    pd.testing.assert_frame_equal(
        pd.read_csv(runs["straight"] / "run/fold/summary.csv"), pd.read_csv(killed / "run/fold/summary.csv")
    )


def test_sigterm_saves_after_the_current_step_and_the_resumed_run_ends_with_the_same_weights(tmp_path):
    # checkpointEverySteps far beyond an epoch: the only mid-epoch state can come from SIGTERM.
    value = request()
    value["parameters"]["training"]["checkpointEverySteps"] = 100_000
    runs = {}
    for name in ("straight", "terminated"):
        storage = tmp_path / name
        storage.mkdir()
        write_classification_data(storage, patients=8, external_patients=2)
        write(storage, value)
        runs[name] = storage
    assert run_stage(STAGES, "train-fold", runs["straight"] / "request.json", runs["straight"]) == 0

    terminated = runs["terminated"]
    progress_file = terminated / "run/fold/resume/progress.json"
    process = _start_stage(terminated, MAMMOFLOW_TERMINATION_GRACE_SECONDS="120")
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            try:
                # Epoch 0 is done and saved; epoch 1's steps are running.
                if json.loads(progress_file.read_text())["epoch"] == 1:
                    process.send_signal(signal.SIGTERM)
                    break
            except (OSError, json.JSONDecodeError):
                pass
            time.sleep(0.01)
        returncode = process.wait(timeout=120)
    finally:
        process.kill()
    assert returncode == 128 + signal.SIGTERM
    at_stop = json.loads(progress_file.read_text())
    assert at_stop["epoch"] == 1 and at_stop["step"] >= 1, at_stop
    assert not (terminated / "run/fold/result.json").exists()

    assert run_stage(STAGES, "train-fold", terminated / "request.json", terminated) == 0
    metrics = json.loads((terminated / "run/fold/result.json").read_text())["metrics"]
    assert (metrics["resumedAtEpoch"], metrics["resumedAtUpdate"]) == (1, at_stop["step"])
    _same_checkpoints(runs["straight"] / "run/fold", terminated / "run/fold")
