"""The Python runner's reuse rule on the table the TypeScript tests read too
(jobs/contract/reuse-cases.json): one rule, two languages, the same answers."""

import hashlib
import json
import os
from pathlib import Path

import pytest

from mammoflow_jobs.reuse.canonical import canonical_json
from mammoflow_jobs.reuse.fingerprints import fingerprint_input
from mammoflow_jobs.reuse.rule import content_key, decide_cached_reuse, decide_reuse, output_digest, parameter_inputs

CASES = json.loads((Path(__file__).parents[2] / "contract" / "reuse-cases.json").read_text("utf-8"))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def storage_with(root: Path, files: dict) -> Path:
    for relative, content in files.items():
        path = root / relative
        if content is None:
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, "utf-8")
    return root


@pytest.mark.parametrize("case", CASES["decide"], ids=lambda c: c["name"])
def test_own_result(case):
    current = case["current"]
    decision = decide_reuse(
        case["recorded"], current["requestDigest"], current["inputFingerprints"], case.get("force", False)
    )
    assert decision == case["expect"]


@pytest.mark.parametrize("case", CASES["cached"], ids=lambda c: c["name"])
def test_cached_result(case):
    assert decide_cached_reuse(case["candidate"], case["contentKey"], case.get("across")) == case["expect"]


@pytest.mark.parametrize("case", CASES["canonicalJson"], ids=lambda c: c["expect"])
def test_canonical_json_is_javascripts(case):
    assert canonical_json(case["value"]) == case["expect"]


@pytest.mark.parametrize("case", CASES["contentKey"], ids=lambda c: c["name"])
def test_content_key(case):
    assert content_key(case["work"], case["inputFingerprints"]) == case["expect"]


@pytest.mark.parametrize("case", CASES["outputDigest"], ids=lambda c: c["startedAt"])
def test_output_digest(case):
    assert output_digest(case["contentKey"], case["startedAt"], case["finishedAt"]) == case["expect"]


@pytest.mark.parametrize("case", CASES["parameterInputs"], ids=lambda c: c["stage"])
def test_paths_in_parameters(case):
    assert parameter_inputs(case["stage"], case["parameters"]) == case["expect"]


@pytest.mark.parametrize("case", CASES["fingerprint"], ids=lambda c: c["name"])
def test_fingerprint(case, tmp_path):
    assert fingerprint_input(storage_with(tmp_path, case["files"]), case["input"]) == case["expect"]


def test_the_digest_index_is_shared_with_typescript_and_trusted_while_stat_holds(tmp_path):
    root = storage_with(tmp_path, {"data/images/a.dcm": "A"})
    assert fingerprint_input(root, "data/images") == "folder:" + sha(f"a.dcm\t{sha('A')}\n")
    stats = os.stat(root / "data/images/a.dcm")
    key = f"{stats.st_size}:{stats.st_mtime_ns}:{stats.st_ino}:"
    index_file = root / ".mammoflow/file-digests" / f"{sha('data/images')}.json"
    index = json.loads(index_file.read_text())
    assert index == {"input": "data/images", "files": {"data/images/a.dcm": key + sha("A")}}
    # A re-run reads the index, not the file: a forged digest under the same stat is believed.
    index["files"]["data/images/a.dcm"] = key + "f" * 64
    index_file.write_text(json.dumps(index))
    assert fingerprint_input(root, "data/images") == "folder:" + sha(f"a.dcm\t{'f' * 64}\n")


def test_a_fixed_file_is_rehashed(tmp_path):
    root = storage_with(tmp_path, {"data/test.csv": "id\n1\n"})
    assert fingerprint_input(root, "data/test.csv") == "file:" + sha("id\n1\n")
    (root / "data/test.csv").write_text("id\n2\n")
    later = os.stat(root / "data/test.csv").st_mtime_ns + 5_000_000_000
    os.utime(root / "data/test.csv", ns=(later, later))
    assert fingerprint_input(root, "data/test.csv") == "file:" + sha("id\n2\n")
