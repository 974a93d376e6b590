"""The Python runner applies the one reuse rule (reuse/): a fixed input re-runs the stage, the same
work asked by another resource is copied and says where from, --force (MAMMOFLOW_FORCE_RUN) runs."""

import hashlib
import json
import os
from pathlib import Path

from conftest import make_request

from mammoflow_jobs.runner import run_stage

LABELS = "data/labels.csv"


class Copier:
    """A stage that copies its labels input into folds.csv and counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, ctx):
        self.calls += 1
        out = ctx.output_dir / "folds.csv"
        out.write_bytes(ctx.input_path("labels").read_bytes())
        ctx.add_artifact("folds", out)


def request_of(name: str, **overrides) -> dict:
    return make_request(
        owner={"kind": "ClassificationDataset", "namespace": "local", "name": name},
        inputs={"labels": LABELS},
        parameters={"cvSplit": {"folds": 4, "seed": 7}},
        outputDir=f"runs/local/ClassificationDataset/{name}/cv-split",
        **overrides,
    )


def result_of(storage: Path, request: dict) -> dict:
    return json.loads((storage / request["outputDir"] / "result.json").read_text())


def fix(storage: Path, content: str) -> None:
    path = storage / LABELS
    path.write_text(content)
    later = os.stat(path).st_mtime_ns + 10_000_000_000
    os.utime(path, ns=(later, later))


def run(stage, storage, write_request, request, tmp_path):
    path = write_request(request, f"{request['owner']['name']}.json")
    return run_stage({"cv-split": stage}, "cv-split", path, storage, tmp_path / "termination-log")


def test_a_fixed_input_runs_the_stage_again(storage, write_request, tmp_path):
    (storage / "data").mkdir()
    (storage / LABELS).write_text("id\n1\n")
    stage = Copier()
    request = request_of("demo")
    termination = tmp_path / "termination-log"
    assert run(stage, storage, write_request, request, tmp_path) == 0
    assert "reused" not in json.loads(termination.read_text())
    assert run(stage, storage, write_request, request, tmp_path) == 0
    assert stage.calls == 1
    # The termination message tells the operator the pod stood the earlier result (a recheck).
    assert json.loads(termination.read_text())["reused"] is True
    fix(storage, "id\n2\n")
    assert run(stage, storage, write_request, request, tmp_path) == 0
    assert stage.calls == 2
    assert "reused" not in json.loads(termination.read_text())
    digest = hashlib.sha256(b"id\n2\n").hexdigest()
    assert result_of(storage, request)["inputFingerprints"] == {"labels": f"file:{digest}"}
    assert (storage / request["outputDir"] / "folds.csv").read_text() == "id\n2\n"


def test_the_same_work_of_another_resource_is_copied_and_named(storage, write_request, tmp_path, caplog):
    (storage / "data").mkdir()
    (storage / LABELS).write_text("id\n1\n")
    stage = Copier()
    first, second = request_of("demo"), request_of("again")
    run(stage, storage, write_request, first, tmp_path)
    with caplog.at_level("INFO", logger="mammoflow.stage"):
        assert run(stage, storage, write_request, second, tmp_path) == 0
    assert stage.calls == 1
    original, copied = result_of(storage, first), result_of(storage, second)
    assert copied["reusedFrom"] == {
        "resource": "ClassificationDataset/demo",
        "namespace": "local",
        "stage": "cv-split",
        "outputDir": "runs/local/ClassificationDataset/demo/cv-split",
    }
    assert copied["artifacts"] == [{**original["artifacts"][0], "path": f"{second['outputDir']}/folds.csv"}]
    assert (copied["contentKey"], copied["outputDigest"]) == (original["contentKey"], original["outputDigest"])
    for request in (first, second):
        assert (storage / request["outputDir"] / "folds.csv").read_text() == "id\n1\n"
    copied_message = json.loads((tmp_path / "termination-log").read_text())
    assert (copied_message["reusedFrom"], copied_message["reused"]) == ("ClassificationDataset/demo/cv-split", True)
    assert "stage cv-split: reused from ClassificationDataset/demo/cv-split in" in caplog.text


def test_another_namespaces_result_is_copied_only_when_the_operator_allows_it(
    storage, write_request, tmp_path, monkeypatch
):
    (storage / "data").mkdir()
    (storage / LABELS).write_text("id\n1\n")
    stage = Copier()
    run(stage, storage, write_request, request_of("demo"), tmp_path)

    def team_b(name: str) -> dict:
        return request_of(name) | {
            "owner": {"kind": "ClassificationDataset", "namespace": "team-b", "name": name},
            "outputDir": f"runs/team-b/ClassificationDataset/{name}/cv-split",
        }

    # The operator's storage.reuseResultsAcrossNamespaces sets MAMMOFLOW_REUSE_SCOPE=storage.
    monkeypatch.setenv("MAMMOFLOW_REUSE_SCOPE", "storage")
    assert run(stage, storage, write_request, team_b("shared"), tmp_path) == 0
    assert stage.calls == 1
    assert result_of(storage, team_b("shared"))["reusedFrom"] == {
        "resource": "ClassificationDataset/demo",
        "namespace": "local",
        "stage": "cv-split",
        "outputDir": "runs/local/ClassificationDataset/demo/cv-split",
    }
    message = json.loads((tmp_path / "termination-log").read_text())
    assert (message["reused"], message["reusedFrom"]) == (True, "ClassificationDataset/demo/cv-split (namespace local)")
    # By default a namespace copies only its own results: the same work in team-b runs.
    monkeypatch.delenv("MAMMOFLOW_REUSE_SCOPE")
    assert run(stage, storage, write_request, team_b("own"), tmp_path) == 0
    assert stage.calls == 2
    assert "reusedFrom" not in result_of(storage, team_b("own"))


def test_a_result_is_reused_across_languages(storage, write_request, tmp_path):
    # The content key is the TypeScript one (canonical JSON as JavaScript writes it): the key of
    # this request's work as jobs/contract/reuse-rule.ts computes it.
    (storage / "data").mkdir()
    (storage / LABELS).write_text("id\n1\n")
    run(Copier(), storage, write_request, request_of("demo"), tmp_path)
    labels = "file:" + hashlib.sha256(b"id\n1\n").hexdigest()
    work = (
        '{"apiVersion":"mammoflow.io/stage/v1","inputs":{"labels":"' + labels + '"},'
        '"parameters":{"cvSplit":{"folds":4,"seed":7}},"shard":null,"stage":"cv-split"}'
    )
    key = hashlib.sha256(work.encode()).hexdigest()
    assert result_of(storage, request_of("demo"))["contentKey"] == key
    assert json.loads((storage / ".mammoflow/results" / f"{key}.json").read_text()) == {
        "namespace": "local",
        "resource": "ClassificationDataset/demo",
        "outputDir": "runs/local/ClassificationDataset/demo/cv-split",
    }


def test_forced_runs_whatever_stands(storage, write_request, tmp_path, monkeypatch):
    (storage / "data").mkdir()
    (storage / LABELS).write_text("id\n1\n")
    stage = Copier()
    run(stage, storage, write_request, request_of("demo"), tmp_path)
    monkeypatch.setenv("MAMMOFLOW_FORCE_RUN", "1")
    run(stage, storage, write_request, request_of("demo"), tmp_path)
    run(stage, storage, write_request, request_of("again"), tmp_path)
    assert stage.calls == 3
    assert "reusedFrom" not in result_of(storage, request_of("again"))
