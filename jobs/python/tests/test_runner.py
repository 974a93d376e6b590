import hashlib
import json
import subprocess
import sys
from pathlib import Path

from conftest import make_request

from mammoflow_jobs.contract import StageFailure, compact_result
from mammoflow_jobs.runner import run_stage


class Recorder:
    """A stage that writes one file and counts its calls."""

    def __init__(self, fail: Exception | None = None):
        self.calls = 0
        self.fail = fail

    def __call__(self, ctx):
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        out = ctx.output_dir / "folds.csv"
        out.write_text("patient_id,fold\n1,0\n")
        ctx.add_artifact("folds", out)
        ctx.metrics["rows"] = 1


def read_result(storage: Path, request: dict) -> dict:
    return json.loads((storage / request["outputDir"] / "result.json").read_text())


def test_success_writes_result_with_hashes_and_termination_message(storage, write_request, tmp_path, capsys):
    request = make_request()
    path = write_request(request)
    stage = Recorder()
    termination = tmp_path / "termination-log"

    code = run_stage({"cv-split": stage}, "cv-split", path, storage, termination)

    assert code == 0
    result = read_result(storage, request)
    assert result["outcome"] == "Succeeded"
    assert result["requestDigest"] == hashlib.sha256(path.read_bytes()).hexdigest()
    expected_hash = hashlib.sha256(b"patient_id,fold\n1,0\n").hexdigest()
    assert result["artifacts"] == [
        {
            "name": "folds",
            "path": "runs/local/ClassificationDataset/demo/cv-split/folds.csv",
            "sha256": expected_hash,
            "sizeBytes": 20,
        }
    ]
    assert result["metrics"] == {"rows": 1}
    compact = json.loads(termination.read_text())
    assert compact["artifacts"] == [
        {"name": "folds", "path": "runs/local/ClassificationDataset/demo/cv-split/folds.csv", "sha256": expected_hash}
    ]
    assert json.loads(capsys.readouterr().out.strip()) == compact


def test_same_request_is_not_run_twice_but_a_changed_one_is(storage, write_request):
    stage = Recorder()
    request = make_request()
    assert run_stage({"cv-split": stage}, "cv-split", write_request(request), storage) == 0
    assert run_stage({"cv-split": stage}, "cv-split", write_request(request), storage) == 0
    assert stage.calls == 1
    changed = make_request(parameters={"seed": 68})
    assert run_stage({"cv-split": stage}, "cv-split", write_request(changed), storage) == 0
    assert stage.calls == 2


def test_unreadable_request_is_a_permanent_failure_naming_the_file(storage, tmp_path, caplog):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    assert run_stage({}, "cv-split", path, storage) == 2
    assert "broken.json is not valid JSON" in caplog.text


def test_schema_violation_names_the_field(storage, write_request, caplog):
    request = make_request()
    del request["outputDir"]
    assert run_stage({"cv-split": Recorder()}, "cv-split", write_request(request), storage) == 2
    assert "'outputDir' is a required property" in caplog.text


def test_escaping_paths_are_refused(storage, write_request, caplog):
    request = make_request(outputDir="runs/../../etc")
    assert run_stage({"cv-split": Recorder()}, "cv-split", write_request(request), storage) == 2
    assert "outputDir must be relative and must not contain '..'" in caplog.text


def test_request_for_another_stage_is_refused(storage, write_request, caplog):
    assert run_stage({"cv-split": Recorder()}, "train-fold", write_request(make_request()), storage) == 2
    assert "is for stage 'cv-split', not 'train-fold'" in caplog.text


def test_bad_input_fails_fast_and_is_recorded(storage, write_request):
    request = make_request()
    failure = StageFailure("BadInput", "cleaned_label.csv has no column cancer", "x/cleaned_label.csv")
    code = run_stage({"cv-split": Recorder(failure)}, "cv-split", write_request(request), storage)
    assert code == 2
    result = read_result(storage, request)
    assert result["outcome"] == "Failed"
    assert result["error"] == {
        "reason": "BadInput",
        "message": "cleaned_label.csv has no column cancer",
        "file": "x/cleaned_label.csv",
    }


def test_crash_is_retryable_and_a_failed_result_is_not_reused(storage, write_request):
    request = make_request()
    crashing = Recorder(RuntimeError("CUDA error: an illegal memory access"))
    assert run_stage({"cv-split": crashing}, "cv-split", write_request(request), storage) == 1
    assert read_result(storage, request)["error"]["reason"] == "Internal"
    healthy = Recorder()
    assert run_stage({"cv-split": healthy}, "cv-split", write_request(request), storage) == 0
    assert healthy.calls == 1


def test_missing_input_is_a_permanent_failure(storage, write_request):
    request = make_request(inputs={"labels": "processed/cleaned_label.csv"})

    def needs_labels(ctx):
        ctx.input_path("labels")

    assert run_stage({"cv-split": needs_labels}, "cv-split", write_request(request), storage) == 2
    error = read_result(storage, request)["error"]
    assert error["reason"] == "MissingArtifact"
    assert error["file"].endswith("processed/cleaned_label.csv")


def test_compact_result_drops_artifacts_to_fit():
    result = {
        "stage": "predict",
        "outcome": "Succeeded",
        "requestDigest": "0" * 64,
        "metrics": {},
        "problems": [],
        "artifacts": [{"name": f"crop-{i}", "path": f"x/{i}.png", "sha256": "a" * 64} for i in range(100)],
    }
    text = compact_result(result, limit=1000)
    compact = json.loads(text)
    assert len(text.encode()) <= 1000
    assert compact["truncated"] is True
    assert 0 < len(compact["artifacts"]) < 100
    assert compact["artifacts"][0] == {"name": "crop-0", "path": "x/0.png", "sha256": "a" * 64}


def test_module_entry_lists_stages():
    out = subprocess.run([sys.executable, "-m", "mammoflow_jobs", "--list"], capture_output=True, text=True, check=True)
    # Every Python stage of the contract's catalogue (jobs/contract/stages.ts) is registered.
    assert out.stdout.split() == [
        "build-engine",
        "cv-split",
        "export-onnx",
        "roi-dataset",
        "select-checkpoints",
        "train-detector",
        "train-fold",
    ]
