"""The stages' JSON log lines and progress events: every line parses with json.loads, the events
have the contract's shape (jobs/contract/progress.ts) and are throttled as documented."""

import io
import json
import logging
import math

import pytest
from conftest import make_request

from mammoflow_jobs.logs import configure_logging
from mammoflow_jobs.progress import ProgressReporter, format_duration, progress_summary


@pytest.fixture
def stderr_lines():
    """configure_logging on a buffer (restoring the root logger after); returns the parsed lines."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    buffer = io.StringIO()
    configure_logging(buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_log_lines_are_json_whatever_the_message_holds(stderr_lines):
    log = logging.getLogger("mammoflow.stage")
    log.info('stage %s: it\'s "quoted", naïve\nsecond line', "cv-split")
    log.debug("below the level")
    try:
        raise ValueError("bad 'value'")
    except ValueError:
        log.exception("stage %s crashed", "train-fold")
    first, second = stderr_lines()
    assert set(first) == {"time", "level", "logger", "msg"}
    assert first["level"] == "info"
    assert first["logger"] == "mammoflow.stage"
    assert first["msg"] == 'stage cv-split: it\'s "quoted", naïve\nsecond line'
    assert first["time"].endswith("+00:00") and first["time"][:4].isdigit()
    assert second["level"] == "error"
    assert second["msg"] == "stage train-fold crashed"
    assert second["exc_info"].startswith("Traceback (most recent call last):")
    assert second["exc_info"].endswith("ValueError: bad 'value'")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_events_are_throttled_with_rate_and_eta(stderr_lines):
    clock = Clock()
    reporter = ProgressReporter("train-fold", "steps", 100, interval=5.0, clock=clock)
    assert reporter.update(0, epoch=1, epochs=2, step=0, steps=50) == {
        "stage": "train-fold",
        "unit": "steps",
        "done": 0,
        "total": 100,
        "epoch": 1,
        "epochs": 2,
        "step": 0,
        "steps": 50,
    }
    clock.now = 104.0
    assert reporter.update(8, loss=0.5) is None  # within the interval
    clock.now = 105.0
    event = reporter.update(10, epoch=1, epochs=2, step=10, steps=50, loss=0.25, pF1=None)
    assert event == {
        "stage": "train-fold",
        "unit": "steps",
        "done": 10,
        "total": 100,
        "epoch": 1,
        "epochs": 2,
        "step": 10,
        "steps": 50,
        "loss": 0.25,
        "rate": 2.0,
        "etaSeconds": 45,
    }
    clock.now = 106.0
    forced = reporter.update(12, force=True, loss=math.nan, pF1=0.5)
    assert forced["pF1"] == 0.5 and "loss" not in forced  # NaN has no JSON spelling
    clock.now = 110.0
    last = reporter.finish(20)
    assert last["done"] == 20 and last["rate"] == 2.0 and last["etaSeconds"] == 40
    assert reporter.finish(20) is None  # the same count again says nothing new
    lines = stderr_lines()
    assert [line["progress"] for line in lines] == [
        lines[0]["progress"],
        event,
        forced,
        last,
    ]
    assert {line["logger"] for line in lines} == {"mammoflow.progress"}
    assert lines[1]["msg"] == "train-fold: epoch 1/2, step 10/50, loss 0.25, 2 steps/s, ETA 45s"


def test_summaries_match_the_typescript_contract_words():
    assert (
        progress_summary(
            {"stage": "predict", "unit": "images", "done": 1200, "total": 5000, "rate": 85.333, "etaSeconds": 45}
        )
        == "predict: 1200/5000 images (24%), 85.3 images/s, ETA 45s"
    )
    assert (
        progress_summary(
            {
                "stage": "train-fold",
                "unit": "steps",
                "done": 1300,
                "total": 4000,
                "epoch": 2,
                "epochs": 4,
                "step": 300,
                "steps": 1000,
                "loss": 0.42134,
                "rate": 12.5,
                "etaSeconds": 3720,
                "pF1": 0.45123,
            }
        )
        == "train-fold: epoch 2/4, step 300/1000, loss 0.421, 12.5 steps/s, ETA 1h02m, val pF1 0.451"
    )
    assert (
        progress_summary(
            {
                "stage": "prepare-dataset",
                "unit": "images",
                "done": 3,
                "total": 9,
                "failed": 1,
                "shard": {"index": 1, "count": 4},
            }
        )
        == "prepare-dataset shard 2/4: 3/9 images (33%), 1 failed"
    )
    assert [format_duration(s) for s in (0, 59.4, 60, 725, 3600, 11220)] == [
        "0s",
        "59s",
        "1m00s",
        "12m05s",
        "1h00m",
        "3h07m",
    ]


def test_a_stage_process_writes_only_json_lines_on_stderr(storage, write_request):
    """`python -m mammoflow_jobs` end to end: a request naming a missing input fails the stage,
    and every line it logs (the failure with its quotes and path) parses with json.loads."""
    import subprocess
    import sys

    request = write_request(make_request(inputs={"dataset": "no/such 'file'.csv"}))
    run = subprocess.run(
        [sys.executable, "-m", "mammoflow_jobs", "cv-split", "--request", str(request), "--storage-root", str(storage)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 2, run.stderr
    lines = [json.loads(line) for line in run.stderr.splitlines()]
    assert lines, run.stderr
    failure = lines[-1]
    assert failure["level"] == "error" and failure["logger"] == "mammoflow.stage"
    assert failure["msg"].startswith("stage cv-split failed: ")
    assert "no/such 'file'.csv" in failure["msg"]
    assert json.loads(run.stdout)["outcome"] == "Failed"
