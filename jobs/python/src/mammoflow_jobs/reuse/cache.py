"""The content-addressed result cache, the twin of jobs/contract/result-cache.ts (read it for the
why): `<storage>/.mammoflow/results/<contentKey>.json` names the stage folder holding a result."""

import contextlib
import datetime as dt
import json
import re
import shutil
from pathlib import Path

from ..contract.result import RESULT_FILE, reused_from_name
from .fingerprints import STATE_DIR, write_text_atomic
from .rule import decide_cached_reuse, may_copy_across

_LOG = re.compile(r"^stage(\.attempt-\d+)?\.log$")


def is_bookkeeping(name: str) -> bool:
    """A stage folder's own files, which a copied result gets anew: request, result, logs."""
    return name in (RESULT_FILE, "request.json") or bool(_LOG.match(name)) or ".tmp-" in name


def _entry_file(storage_root: Path, key: str) -> Path:
    return storage_root / STATE_DIR / "results" / f"{key}.json"


def read_result(path: Path) -> dict | None:
    try:
        result = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) else None


def index_result(storage_root: Path, request, key: str) -> None:
    """Records a Succeeded result in the index (one file per key, written by rename)."""
    owner = request.data["owner"]
    entry = {
        "namespace": owner["namespace"],
        "resource": f"{owner['kind']}/{owner['name']}",
        "outputDir": request.output_dir,
    }
    # The cache is a shortcut: a storage the stage cannot write there only loses it.
    with contextlib.suppress(OSError):
        write_text_atomic(_entry_file(storage_root, key), json.dumps(entry) + "\n")


def _read_entry(storage_root: Path, key: str) -> dict | None:
    entry = read_result(_entry_file(storage_root, key))
    fields = ("namespace", "resource", "outputDir")
    if entry is None or not all(isinstance(entry.get(f), str) and entry[f] for f in fields):
        return None
    return entry


def _reused_from(entry: dict) -> dict:
    prefix = f"runs/{entry['namespace']}/{entry['resource']}/"
    output_dir = entry["outputDir"]
    stage = output_dir[len(prefix) :] if output_dir.startswith(prefix) else output_dir
    return {"resource": entry["resource"], "namespace": entry["namespace"], "stage": stage, "outputDir": output_dir}


def reused_from_text(origin: dict, namespace: str | None = None) -> str:
    return f"reused from {reused_from_name(origin, namespace)}"


def _copy_outputs(source: Path, target: Path) -> None:
    # Copied, never moved or hard-linked: the original's stage may run again and rewrite its files
    # in place, which must not change this result.
    target.mkdir(parents=True, exist_ok=True)
    for child in source.iterdir():
        if is_bookkeeping(child.name):
            continue
        if child.is_dir():
            _copy_outputs(child, target / child.name)
        else:
            shutil.copyfile(child, target / child.name)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder + "/")


def adopt_cached_result(storage_root: Path, request, current: dict, scope: str = "namespace") -> dict | None:
    """The same work's result from another stage folder, copied into this request's folder and
    recorded there with reusedFrom; None when none stands. Only the request's own namespace's
    results unless ``scope`` is ``storage`` (the twin of jobs/contract/result-cache.ts)."""
    entry = _read_entry(storage_root, current["contentKey"])
    namespace = request.data["owner"]["namespace"]
    if entry is None or entry["outputDir"] == request.output_dir:
        return None
    across = {"from": entry["namespace"], "to": namespace, "scope": scope}
    if not may_copy_across(across):
        return None  # another namespace's folder is not read
    candidate = read_result(storage_root / entry["outputDir"] / RESULT_FILE)
    if not decide_cached_reuse(candidate, current["contentKey"], across)["reuse"]:
        return None
    artifacts = candidate.get("artifacts", [])
    if not all((storage_root / a["path"]).exists() for a in artifacts):
        return None
    _copy_outputs(storage_root / entry["outputDir"], storage_root / request.output_dir)
    source = entry["outputDir"]
    result = {
        **candidate,
        "requestDigest": current["requestDigest"],
        "startedAt": current["startedAt"],
        "finishedAt": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "artifacts": [
            {**a, "path": request.output_dir + a["path"][len(source) :]} if _within(a["path"], source) else a
            for a in artifacts
        ],
        "inputFingerprints": current["inputFingerprints"],
        "reusedFrom": _reused_from(entry),
    }
    write_text_atomic(
        storage_root / request.output_dir / RESULT_FILE, json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    )
    return result
