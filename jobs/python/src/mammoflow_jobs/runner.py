"""The stage contract's process side (DESIGN.md §4), shared by every Python stage.

request → validate → (reuse a result by the one rule, reuse/: its own Succeeded result for the same
request digest and input content, or the same work's from the storage's result cache) → run →
result.json last, by atomic rename → compact result on the termination-message path → exit code.
"""

import datetime as dt
import errno
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .contract import (
    EXIT_PERMANENT_FAILURE,
    EXIT_RETRYABLE_FAILURE,
    EXIT_SUCCESS,
    RESULT_FILE,
    StageFailure,
    StageRequest,
    compact_result,
    load_request,
    write_json_atomic,
)
from .contract.request import contract_schema
from .input_paths import resolve_input
from .reuse import (
    ReuseCheck,
    check_reuse,
    force_requested,
    offer_result,
    reuse_record,
    reuse_scope,
    reused_from_text,
)
from .reuse.fingerprints import sha256_file

API_VERSION = "mammoflow.io/stage/v1"

log = logging.getLogger("mammoflow.stage")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class StageContext:
    """What a stage function gets: the request, resolved paths, and the result it fills in."""

    request: StageRequest
    storage_root: Path
    artifacts: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    @property
    def output_dir(self) -> Path:
        return self.storage_root / self.request.output_dir

    def input_path(self, name: str) -> Path:
        """The named input; a missing name or file, or a link out of the storage root that no
        read-only root allows (input_paths.py), is a permanent failure."""
        if name not in self.request.inputs:
            raise StageFailure("BadRequest", f"request has no input named '{name}'")
        return resolve_input(self.storage_root, name, self.request.inputs[name])

    def add_artifact(self, name: str, path: Path) -> None:
        """Records an output file (hashed) or folder, relative to the storage root."""
        entry = {"name": name, "path": str(path.relative_to(self.storage_root))}
        if path.is_file():
            entry["sha256"] = sha256_file(path)
            entry["sizeBytes"] = path.stat().st_size
        self.artifacts.append(entry)

    def add_problem(self, item: str, message: str) -> None:
        self.problems.append({"item": item, "message": message})


StageFunction = Callable[[StageContext], None]


def _emit(result: dict, termination_log: Path | None, reused: bool = False, namespace: str | None = None) -> None:
    compact = compact_result(result, reused=reused, namespace=namespace)
    print(compact, flush=True)
    if termination_log is not None:
        try:
            termination_log.write_text(compact, "utf-8")
        except OSError as error:
            log.warning("cannot write termination message to %s: %s", termination_log, error)


def _reason_of(failure: OSError) -> str:
    """A full disk is OutOfSpace (retried once there is room); any other OS error is Internal."""
    return "OutOfSpace" if failure.errno == errno.ENOSPC else "Internal"


def run_stage(
    stages: dict[str, StageFunction],
    name: str,
    request_path: Path,
    storage_root: Path,
    termination_log: Path | None = None,
) -> int:
    """Runs one stage under the contract and returns the process exit code."""
    started = _now()
    try:
        request = load_request(request_path)
    except StageFailure as failure:
        log.error("%s", failure.message)
        return EXIT_PERMANENT_FAILURE
    if request.stage != name:
        log.error("request %s is for stage '%s', not '%s'", request_path, request.stage, name)
        return EXIT_PERMANENT_FAILURE
    if name not in stages:
        log.error("no Python stage named '%s' (known: %s)", name, ", ".join(sorted(stages)) or "none")
        return EXIT_PERMANENT_FAILURE

    context = StageContext(request=request, storage_root=storage_root)
    result_path = context.output_dir / RESULT_FILE
    check: ReuseCheck | None = None
    try:
        check = check_reuse(storage_root, request, force=force_requested(), scope=reuse_scope())
    except OSError as error:
        # An input it cannot read fails the stage itself, with the stage's own words for it.
        log.warning(
            "stage %s: cannot fingerprint its inputs (%s); it runs, and its result will not be reused", name, error
        )
    if check is not None and check.result is not None:
        origin = check.result.get("reusedFrom") if check.source == "cache" else None
        namespace = request.data["owner"]["namespace"]
        said = reused_from_text(origin, namespace) if origin else "result for this request already complete"
        log.info("stage %s: %s in %s", name, said, result_path)
        _emit(check.result, termination_log, reused=True, namespace=namespace)
        return EXIT_SUCCESS

    context.output_dir.mkdir(parents=True, exist_ok=True)
    outcome, error, code = "Succeeded", None, EXIT_SUCCESS
    try:
        stages[name](context)
    except StageFailure as failure:
        outcome, error = "Failed", failure.as_error()
        code = EXIT_PERMANENT_FAILURE if failure.permanent else EXIT_RETRYABLE_FAILURE
        log.error("stage %s failed: %s", name, failure.message)
    except OSError as failure:
        reason = _reason_of(failure)
        outcome, error, code = "Failed", {"reason": reason, "message": str(failure)}, EXIT_RETRYABLE_FAILURE
        if failure.filename:
            error["file"] = str(failure.filename)
        log.error("stage %s failed: %s", name, failure)
    except Exception as failure:  # noqa: BLE001 - any other error is reported and retried
        outcome, error, code = "Failed", {"reason": "Internal", "message": repr(failure)}, EXIT_RETRYABLE_FAILURE
        log.error("stage %s crashed:\n%s", name, traceback.format_exc())

    finished = _now()
    result = {
        "apiVersion": API_VERSION,
        "stage": name,
        "requestDigest": request.digest,
        "outcome": outcome,
        "startedAt": started,
        "finishedAt": finished,
        "artifacts": context.artifacts,
        "metrics": context.metrics,
        "problems": context.problems,
    }
    if error is not None:
        result["error"] = error
    elif check is not None:
        result.update(reuse_record(check, started, finished))
    _check_result(result)
    try:
        write_json_atomic(result_path, result)
    except OSError as failure:
        # Without result.json the run is not done, whatever the stage did; the termination message
        # (another filesystem) still tells the operator why, e.g. OutOfSpace, and the retry runs it again.
        log.error("cannot write %s: %s", result_path, failure)
        reason = _reason_of(failure)
        message = f"cannot write {RESULT_FILE}: {failure.strerror or failure}"
        if error is not None:
            message = f"{error['message']}; then {message}"
        result.update(outcome="Failed", error={"reason": reason, "message": message, "file": str(result_path)})
        _emit(result, termination_log)
        return EXIT_RETRYABLE_FAILURE
    offer_result(storage_root, request, result)
    _emit(result, termination_log)
    return code


def _check_result(result: dict) -> None:
    # A result that breaks the contract is a bug in the stage, caught before anyone reads it.
    import jsonschema

    jsonschema.validate(result, contract_schema("stage-result"))
