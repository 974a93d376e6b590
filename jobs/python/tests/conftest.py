import contextlib
import json
import signal
from pathlib import Path

import pytest


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    root = tmp_path / "storage"
    root.mkdir()
    return root


def make_request(stage: str = "cv-split", **overrides) -> dict:
    """A valid stage request; keyword arguments replace top-level fields."""
    request = {
        "apiVersion": "mammoflow.io/stage/v1",
        "stage": stage,
        "owner": {"kind": "ClassificationDataset", "namespace": "local", "name": "demo"},
        "inputs": {},
        "parameters": {},
        "outputDir": "runs/local/ClassificationDataset/demo/cv-split",
    }
    request.update(overrides)
    return request


@contextlib.contextmanager
def time_limit(seconds: int, what: str):
    """A TimeoutError naming `what` once the block has run `seconds`: a test of code that once
    looped forever fails fast instead of hanging the suite."""

    def expire(signum, frame):
        raise TimeoutError(f"{what} did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def write_request(tmp_path: Path):
    def write(request: dict, name: str = "request.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(request, sort_keys=True, separators=(",", ":")))
        return path

    return write


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    # Two cores shared by several people: one thread per test process keeps timings predictable.
    import torch

    torch.set_num_threads(1)
