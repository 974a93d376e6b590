"""Writing results: atomically, and in the compact form for the termination message."""

import json
import os
import secrets
from pathlib import Path

# Kubernetes keeps at most 4096 bytes of a termination message.
TERMINATION_MESSAGE_LIMIT = 4096
# A stage's result in its output folder, written last: its presence says the stage finished.
RESULT_FILE = "result.json"


def temporary_beside(path: Path) -> Path:
    """A temporary name in `path`'s folder for write-then-rename. Every pod is pid 1 on a shared
    volume, so the random part keeps two writers' temporaries apart."""
    return path.with_name(f"{path.name}.tmp-{os.getpid()}-{secrets.token_hex(3)}")


def write_json_atomic(path: Path, value: dict) -> None:
    """Write then rename, so a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_beside(path)
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as error:
        # A full disk must not leave a half-written temporary beside the file, and the error
        # names the file (a failed write() alone carries no file name).
        temporary.unlink(missing_ok=True)
        if error.filename is None:
            raise OSError(error.errno, error.strerror, str(path)) from error
        raise
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _dumps(value: dict) -> str:
    # Same separators as JSON.stringify, so both languages print the same compact form.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def reused_from_name(origin: dict, namespace: str | None = None) -> str:
    """``Kind/name/stage`` of a copied result, with its namespace when it is not ``namespace``
    (the copying stage's own); the twin of reusedFromName in jobs/contract/termination.ts."""
    other = namespace is not None and origin["namespace"] != namespace
    return f"{origin['resource']}/{origin['stage']}" + (f" (namespace {origin['namespace']})" if other else "")


def compact_result(
    result: dict, limit: int = TERMINATION_MESSAGE_LIMIT, reused: bool = False, namespace: str | None = None
) -> str:
    """Mirror of jobs/contract/termination.ts: artifacts are dropped from the end until it fits.

    ``reused`` says the process stood an earlier result for its request instead of running;
    ``namespace`` is the request's (a result copied from another namespace names it).
    """
    compact = {
        "stage": result["stage"],
        "outcome": result["outcome"],
        "requestDigest": result["requestDigest"],
    }
    if reused:
        compact["reused"] = True
    # Names the outputs by this execution: the operator makes it part of the readers' requests.
    if result.get("outputDigest"):
        compact["outputDigest"] = result["outputDigest"]
    compact |= {
        "metrics": result.get("metrics", {}),
        "problems": len(result.get("problems", [])),
    }
    if result.get("error"):
        compact["error"] = {
            "reason": result["error"]["reason"],
            "message": result["error"]["message"][:1024],
        }
    # Where a copied result came from (the result cache): the operator's status says so.
    if result.get("reusedFrom"):
        compact["reusedFrom"] = reused_from_name(result["reusedFrom"], namespace)
    # The path (storage-relative) because an artifact's name is not its file name.
    compact["artifacts"] = [
        {"name": a["name"], "path": a["path"], "sha256": a["sha256"]}
        if a.get("sha256")
        else {"name": a["name"], "path": a["path"]}
        for a in result.get("artifacts", [])
    ]
    compact["truncated"] = False
    text = _dumps(compact)
    while len(text.encode()) > limit and compact["artifacts"]:
        compact["artifacts"].pop()
        compact["truncated"] = True
        text = _dumps(compact)
    if len(text.encode()) > limit:
        short = {"stage": result["stage"], "outcome": result["outcome"], "requestDigest": result["requestDigest"]}
        text = _dumps(short | ({"reused": True} if reused else {}) | {"truncated": True})
    return text
