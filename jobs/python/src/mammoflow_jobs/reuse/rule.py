"""The one result-reuse rule, the twin of jobs/contract/reuse-rule.ts (read it for the why); both
are checked against the table jobs/contract/reuse-cases.json."""

import hashlib

from .canonical import canonical_json


def decide_reuse(recorded: dict | None, request_digest: str, input_fingerprints: dict, force: bool = False) -> dict:
    """Whether the result in a stage's own folder stands for the request now."""
    if force:
        return {"reuse": False, "why": "forced"}
    if recorded is None:
        return {"reuse": False, "why": "no result yet"}
    if recorded.get("outcome") != "Succeeded":
        return {"reuse": False, "why": "the last run failed"}
    if recorded.get("requestDigest") != request_digest:
        return {"reuse": False, "why": "the request changed"}
    fingerprints = recorded.get("inputFingerprints")
    if fingerprints is None:
        return {"reuse": False, "why": "the result records no input fingerprints"}
    for name in sorted(set(fingerprints) | set(input_fingerprints)):
        if fingerprints.get(name) != input_fingerprints.get(name):
            return {"reuse": False, "why": f"input '{name}' changed"}
    return {"reuse": True}


def may_copy_across(across: dict) -> bool:
    """Whether a result may be copied between these namespaces: the same one, or the storage allows it."""
    return across["scope"] == "storage" or across["from"] == across["to"]


def decide_cached_reuse(candidate: dict | None, content_key: str, across: dict | None = None) -> dict:
    """Whether a result another stage folder holds may stand for this request (same work by content,
    in the request's namespace unless ``across["scope"]`` is ``storage``)."""
    if candidate is None:
        return {"reuse": False, "why": "no result yet"}
    if across is not None and not may_copy_across(across):
        return {
            "reuse": False,
            "why": f"it is namespace {across['from']}'s, and namespaces share results only when allowed",
        }
    if candidate.get("outcome") != "Succeeded":
        return {"reuse": False, "why": "the last run failed"}
    if candidate.get("contentKey") != content_key:
        return {"reuse": False, "why": "its inputs or parameters differ"}
    return {"reuse": True}


def content_key(work: dict, input_fingerprints: dict) -> str:
    """The result cache's key: stage, parameters, shard and inputs by content (not owner, not paths)."""
    key = {
        "apiVersion": work["apiVersion"],
        "stage": work["stage"],
        "parameters": work.get("parameters", {}),
        "shard": work.get("shard"),
        "inputs": input_fingerprints,
    }
    return hashlib.sha256(canonical_json(key).encode()).hexdigest()


def output_digest(key: str, started_at: str, finished_at: str) -> str:
    """Names one execution's outputs: a re-run gives a new one, a reuse keeps it."""
    return hashlib.sha256(f"{key}\n{started_at}\n{finished_at}".encode()).hexdigest()


def _at(value, *keys):
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def parameter_inputs(stage: str, parameters: dict) -> dict:
    """The storage-relative paths a stage's parameters name (jobs/contract/parameter-inputs.ts)."""
    named: list[tuple[str, object]] = []
    if stage == "train-fold":
        named.append(("parameters.model.pretrained", _at(parameters, "model", "pretrained")))
    if stage == "train-detector":
        named.append(("parameters.training.pretrained", _at(parameters, "training", "pretrained")))
    if stage == "roi-dataset":
        named.append(("parameters.training.labels", _at(parameters, "training", "labels")))
        named.append(("parameters.training.images", _at(parameters, "training", "images")))
    if stage == "prepare-dataset":
        datasets = _at(parameters, "datasets")
        for i, dataset in enumerate(datasets if isinstance(datasets, list) else []):
            name = _at(dataset, "name")
            raw = _at(dataset, "rawPath")
            if raw is None and name:
                raw = f"datasets/raw/{name}"
            named.append((f"parameters.datasets[{i}].rawPath", raw))
    return {key: value for key, value in named if isinstance(value, str) and value}
