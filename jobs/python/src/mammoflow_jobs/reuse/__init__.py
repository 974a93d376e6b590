"""Result reuse for the Python runner, the twin of jobs/contract/reuse.ts: the one rule
(rule.py), inputs by content (fingerprints.py) and the storage's result cache (cache.py)."""

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ..contract.result import RESULT_FILE
from .cache import adopt_cached_result, index_result, read_result, reused_from_text
from .fingerprints import fingerprint_inputs
from .rule import content_key, decide_reuse, output_digest, parameter_inputs

# Set to "1" by `mammoflow run --force` for the stages it re-runs (jobs/contract/reuse.ts).
FORCE_RUN_ENV = "MAMMOFLOW_FORCE_RUN"
# "storage" (set by an operator configured with storage.reuseResultsAcrossNamespaces): results of
# the same work in other namespaces on the storage may be copied; else the own namespace only.
REUSE_SCOPE_ENV = "MAMMOFLOW_REUSE_SCOPE"

__all__ = [
    "FORCE_RUN_ENV",
    "REUSE_SCOPE_ENV",
    "ReuseCheck",
    "check_reuse",
    "force_requested",
    "offer_result",
    "reuse_record",
    "reuse_scope",
    "reused_from_text",
]


@dataclass(frozen=True)
class ReuseCheck:
    input_fingerprints: dict
    content_key: str
    # The result that stands for the request (its own, or copied from the cache), else why it runs.
    result: dict | None = None
    # Where that result is: the folder's own ("own", even one copied there by an earlier run), or
    # copied from another resource's folder by this check ("cache").
    source: str | None = None
    why: str | None = None


def check_reuse(storage_root: Path, request, force: bool = False, scope: str = "namespace") -> ReuseCheck:
    read = {**request.inputs, **parameter_inputs(request.stage, request.data.get("parameters", {}))}
    fingerprints = fingerprint_inputs(storage_root, read)
    key = content_key(request.data, fingerprints)
    own = read_result(storage_root / request.output_dir / RESULT_FILE)
    decision = decide_reuse(own, request.digest, fingerprints, force)
    if decision["reuse"]:
        return ReuseCheck(fingerprints, key, result=own, source="own")
    if not force:
        started = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        current = {
            "requestDigest": request.digest,
            "contentKey": key,
            "inputFingerprints": fingerprints,
            "startedAt": started,
        }
        cached = adopt_cached_result(storage_root, request, current, scope)
        if cached is not None:
            return ReuseCheck(fingerprints, key, result=cached, source="cache")
    return ReuseCheck(fingerprints, key, why=decision["why"])


def reuse_record(check: ReuseCheck, started_at: str, finished_at: str) -> dict:
    """The fields a finished run records so that the next run can apply the rule to it."""
    return {
        "inputFingerprints": check.input_fingerprints,
        "contentKey": check.content_key,
        "outputDigest": output_digest(check.content_key, started_at, finished_at),
    }


def offer_result(storage_root: Path, request, result: dict) -> None:
    """After a Succeeded result.json is written: other resources may now reuse it."""
    if result.get("outcome") == "Succeeded" and result.get("contentKey") and not result.get("reusedFrom"):
        index_result(storage_root, request, result["contentKey"])


def force_requested() -> bool:
    return os.environ.get(FORCE_RUN_ENV) == "1"


def reuse_scope() -> str:
    """The reuse scope this process was started with ($MAMMOFLOW_REUSE_SCOPE)."""
    return "storage" if os.environ.get(REUSE_SCOPE_ENV) == "storage" else "namespace"
