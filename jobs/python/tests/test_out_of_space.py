"""The Python stage runner on a disk that is really full: a 256 KiB tmpfs as the storage root
(root only, as CI runs). The stage ends OutOfSpace, retryable; the termination message says so
even when result.json itself no longer fits; no half-written file is left behind."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import make_request

from mammoflow_jobs.contract import write_json_atomic
from mammoflow_jobs.runner import run_stage

MIB = 1024 * 1024


@pytest.fixture
def full_disk(tmp_path: Path):
    if os.geteuid() != 0:
        raise RuntimeError("mounting a small tmpfs needs root (CI runs as root): this test injects a real ENOSPC")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def _files(storage: Path, request: dict) -> list[str]:
    return sorted(p.name for p in (storage / request["outputDir"]).iterdir())


def test_an_artifact_that_does_not_fit_is_out_of_space_and_leaves_nothing(full_disk, write_request, tmp_path):
    request = make_request()
    termination = tmp_path / "termination-log"

    def stage(ctx):
        write_json_atomic(ctx.output_dir / "folds.json", {"rows": "x" * MIB})

    code = run_stage({"cv-split": stage}, "cv-split", write_request(request), full_disk, termination)

    assert code == 1
    message = json.loads(termination.read_text())
    assert message["outcome"] == "Failed"
    assert message["error"]["reason"] == "OutOfSpace"
    target = str(full_disk / request["outputDir"] / "folds.json")
    assert message["error"]["message"] == f"[Errno 28] No space left on device: '{target}'"
    result = json.loads((full_disk / request["outputDir"] / "result.json").read_text())
    assert result["error"]["file"] == target
    # The failed result fits once the temporary is gone; no folds.json, whole or partial.
    assert _files(full_disk, request) == ["result.json"]


def test_the_operator_hears_of_it_when_not_even_result_json_fits(full_disk, write_request, tmp_path):
    request = make_request()
    termination = tmp_path / "termination-log"

    def stage(ctx):
        # A resume state the stage keeps on purpose fills the disk to the last byte.
        with open(ctx.output_dir / "resume-state.bin", "wb") as state:
            try:
                state.write(b"\0" * (16 * MIB))
                state.flush()
            except OSError:
                pass
        (ctx.output_dir / "folds.csv").write_text("patient_id,fold\n")

    code = run_stage({"cv-split": stage}, "cv-split", write_request(request), full_disk, termination)

    assert code == 1
    message = json.loads(termination.read_text())
    assert message["outcome"] == "Failed"
    assert message["error"]["reason"] == "OutOfSpace"
    assert "; then cannot write result.json: No space left on device" in message["error"]["message"]
    assert "result.json" not in _files(full_disk, request)
    assert not [name for name in _files(full_disk, request) if ".tmp-" in name]
