"""Request inputs reached through symbolic links, the same cases as tests/unit/runtime/input-links.test.ts
(docs/decisions/0006-input-links-stay-in-the-storage-root.md): a link that stays in the storage root is
followed; one that leaves it is refused (BadInput, exit 2) naming the input, the link and where it
points, unless MAMMOFLOW_READ_ONLY_ROOTS allows its target, as the local runner does for the
installation's assets/ (the demo's `--link-assets`)."""

import json
import os
from pathlib import Path

import pytest
from conftest import make_request

from mammoflow_jobs.runner import run_stage

ENV = "MAMMOFLOW_READ_ONLY_ROOTS"
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def tree(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """(storage root, a sibling outside it whose name starts with the root's)."""
    monkeypatch.delenv(ENV, raising=False)
    base = Path(os.path.realpath(tmp_path))
    root, outside = base / "storage", base / "storage-outside"
    (root / "runs/x/predict").mkdir(parents=True)
    outside.mkdir()
    (root / "runs/x/predict/probs.csv").write_text("inside\n")
    (outside / "probs.csv").write_text("outside\n")
    return root, outside


def run(root: Path, relative: str, write_request, storage_root: Path | None = None) -> tuple[int, dict, dict]:
    """Runs a stage that reads input `probabilities` at `relative`: exit code, result.json, what it read."""
    request = make_request(inputs={"probabilities": relative})
    read: dict = {}

    def stage(ctx):
        read["path"] = ctx.input_path("probabilities")
        read["text"] = read["path"].read_text()

    code = run_stage({"cv-split": stage}, "cv-split", write_request(request), storage_root or root)
    result = json.loads((root / request["outputDir"] / "result.json").read_text())
    return code, result, read


def test_a_link_inside_the_root_is_followed(tree, write_request):
    root, _ = tree
    (root / "links").mkdir()
    (root / "links/predict").symlink_to("../runs/x/predict")
    code, _, read = run(root, "links/predict/probs.csv", write_request)
    assert code == 0
    assert read == {"path": root / "links/predict/probs.csv", "text": "inside\n"}


def test_a_link_out_of_the_root_is_refused_naming_input_link_and_target(tree, write_request):
    root, outside = tree
    (root / "elsewhere").symlink_to(outside)
    code, result, read = run(root, "elsewhere/probs.csv", write_request)
    assert code == 2
    assert read == {}
    assert result["error"] == {
        "reason": "BadInput",
        "message": f"input 'probabilities' (elsewhere/probs.csv) leaves the storage root {root}: "
        f"elsewhere is a symbolic link to {outside}, so it resolves to {outside}/probs.csv, which is neither "
        "in the storage root nor in a read-only root of MAMMOFLOW_READ_ONLY_ROOTS (not set)",
        "file": str(root / "elsewhere/probs.csv"),
    }


def test_a_chain_that_leaves_names_the_first_step_that_leaves(tree, write_request):
    root, outside = tree
    (root / "runs/x/out.csv").symlink_to(outside / "probs.csv")
    (root / "hop.csv").symlink_to("runs/x/out.csv")
    code, result, _ = run(root, "hop.csv", write_request)
    assert code == 2
    assert result["error"]["message"].startswith(
        f"input 'probabilities' (hop.csv) leaves the storage root {root}: "
        f"hop.csv is a symbolic link to runs/x/out.csv, so it resolves to {outside}/probs.csv,"
    )


def test_a_read_only_root_allows_its_targets_and_only_those(tree, write_request, monkeypatch):
    root, outside = tree
    (root / "elsewhere").symlink_to(outside)
    monkeypatch.setenv(ENV, f"/nonexistent/datasets:{outside}")
    code, result, read = run(root, "elsewhere/probs.csv", write_request)
    assert code == 0
    assert read == {"path": root / "elsewhere/probs.csv", "text": "outside\n"}

    monkeypatch.setenv(ENV, str(root.parent / "other"))
    # The same request again: without this its Succeeded result would be reused, not re-checked.
    (root / make_request()["outputDir"] / "result.json").unlink()
    code, result, _ = run(root, "elsewhere/probs.csv", write_request)
    assert code == 2
    assert result["error"]["message"].endswith(f"MAMMOFLOW_READ_ONLY_ROOTS ({root.parent / 'other'})")


def test_a_relative_read_only_root_is_refused_not_guessed(tree, write_request, monkeypatch):
    root, outside = tree
    (root / "elsewhere").symlink_to(outside)
    monkeypatch.setenv(ENV, "assets")
    code, result, _ = run(root, "elsewhere/probs.csv", write_request)
    assert code == 2
    assert result["error"] == {
        "reason": "BadRequest",
        "message": "MAMMOFLOW_READ_ONLY_ROOTS entry 'assets' is not an absolute path",
    }


def test_a_storage_root_named_through_a_link_accepts_its_inputs(tree, write_request):
    root, _ = tree
    alias = root.parent / "alias"
    alias.symlink_to(root)
    code, _, read = run(root, "runs/x/predict/probs.csv", write_request, storage_root=alias)
    assert code == 0
    assert read["text"] == "inside\n"


def test_the_demo_link_into_the_installation_assets_is_followed_with_the_local_runner_root(
    tree, write_request, monkeypatch
):
    root, _ = tree
    # What cli/run.ts's --link-assets makes: <storage>/assets/samples → <installation>/assets/samples.
    (root / "assets").mkdir()
    (root / "assets/samples").symlink_to(REPO_ROOT / "assets/samples")
    code, result, _ = run(root, "assets/samples/test.csv", write_request)
    assert result["error"]["reason"] == "BadInput"
    monkeypatch.setenv(ENV, str(REPO_ROOT / "assets"))
    code, _, read = run(root, "assets/samples/test.csv", write_request)
    assert code == 0
    assert read["text"] == (REPO_ROOT / "assets/samples/test.csv").read_text()
