"""A stage's parameters as it reads them: validated, every default of the stage catalogue applied.

`schemas/<stage>.parameters.schema.json` is generated (`npm run generate`) from the stage's zod
schema in jobs/contract/catalogue/<stage>.ts, which holds the seed's defaults once for the API,
the operator and both languages. A Python stage therefore finds every parameter present and holds
no default of its own; a problem is a permanent BadRequest that names the field.
"""

import copy
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources

import jsonschema

from .errors import StageFailure

_TYPE_NAMES = {
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "string": "a string",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


def _schema_file(stage: str):
    return resources.files(__package__).joinpath("schemas", f"{stage}.parameters.schema.json")


def has_parameter_schema(stage: str) -> bool:
    """Whether `stage` is a Python stage of the catalogue (a TypeScript stage's has none here)."""
    return _schema_file(stage).is_file()


@cache
def parameter_schema(stage: str) -> dict:
    return json.loads(_schema_file(stage).read_text("utf-8"))


def _fits(schema: dict, value) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def _branch(branches: list[dict], value) -> dict | None:
    """The branch of an anyOf that `value` means: the one whose `const` fields it carries, else the
    first it is valid against once defaulted, else the first of its JSON type."""
    for branch in branches:
        consts = {k: p["const"] for k, p in branch.get("properties", {}).items() if "const" in p}
        if consts and isinstance(value, Mapping) and all(value.get(k) == c for k, c in consts.items()):
            return branch
    candidates = [b for b in branches if not any("const" in p for p in b.get("properties", {}).values())]
    for branch in candidates:
        if _fits(branch, with_defaults(branch, copy.deepcopy(value))):
            return branch
    for branch in candidates:
        if "type" not in branch or jsonschema.Draft202012Validator(branch).is_type(value, branch["type"]):
            return branch
    return None


def _default(schema: dict):
    """The default a property takes when absent (zod writes a nullable default into its anyOf)."""
    if "default" in schema:
        return copy.deepcopy(schema["default"])
    for branch in schema.get("anyOf", []):
        if "default" in branch:
            return copy.deepcopy(branch["default"])
    return None


def with_defaults(schema: dict, value):
    """`value` with the schema's defaults filled in wherever a field is absent, at every depth."""
    if "anyOf" in schema:
        branch = _branch(schema["anyOf"], value)
        return value if branch is None else with_defaults(branch, value)
    if isinstance(value, dict) and "properties" in schema:
        for key, field in schema["properties"].items():
            # null for an optional field that takes no null means absent, as it always did here.
            if value.get(key, 0) is None and key not in schema.get("required", []) and not _fits(field, None):
                del value[key]
            if key not in value and (default := _default(field)) is not None:
                value[key] = default
            if key in value:
                value[key] = with_defaults(field, value[key])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(schema["items"], item) for item in value]
    return value


def _describe(error: jsonschema.ValidationError) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = next(k for k in error.validator_value if k not in error.instance)
        return f"parameters.{'.'.join([*path, missing])} is required"
    where = ".".join(["parameters", *path])
    got = f", got {error.instance!r}"
    bound = error.validator_value
    match error.validator:
        case "enum":
            return f"{where} must be one of {sorted(bound)}{got}"
        case "type":
            return f"{where} must be {_TYPE_NAMES.get(bound, bound)}{got}"
        case "const":
            return f"{where} must be {bound!r}{got}"
        case "minimum":
            return f"{where} must be ≥ {bound}{got}"
        case "maximum":
            return f"{where} must be ≤ {bound}{got}"
        case "exclusiveMinimum":
            return f"{where} must be > {bound}{got}"
        case "exclusiveMaximum":
            return f"{where} must be < {bound}{got}"
        case "multipleOf":
            return f"{where} must be a multiple of {bound}{got}"
    return f"{where}: {error.message}"


def _errors(schema: dict, value, path: list) -> list[str]:
    """Each problem of `value`; for an anyOf, those of the branch the value means, not all of them."""
    problems = []
    for error in sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path)):
        if error.validator == "anyOf":
            branch = _branch(error.validator_value, error.instance)
            if branch is not None:
                problems += _errors(branch, error.instance, [*path, *error.absolute_path])
                continue
        error.path.extendleft(reversed(path))
        problems.append(_describe(error))
    return problems


def section_defaults(stage: str, section: str) -> dict:
    """The catalogue's defaults of one object parameter of `stage` (e.g. train-fold's `model`)."""
    return with_defaults(parameter_schema(stage)["properties"][section], {})


def stage_parameters(stage: str, parameters: Mapping) -> dict:
    """The request's parameters for a Python stage, validated and defaulted (a BadRequest if invalid)."""
    if not isinstance(parameters, Mapping):
        raise StageFailure("BadRequest", f"parameters must be an object, got {type(parameters).__name__}")
    schema = parameter_schema(stage)
    value = with_defaults(schema, copy.deepcopy(dict(parameters)))
    problems = _errors(schema, value, [])
    if problems:
        raise StageFailure("BadRequest", "; ".join(problems[:5]))
    return value
