"""Reading `request.stage_parameters`: nested camelCase keys as the operator's API writes them,
validated and defaulted by the stage catalogue's generated schema (contract/parameters.py), so a
stage names each field it reads and gives it no default of its own.

Every problem is a permanent BadRequest that names the field, so a person can fix the resource.
"""

from collections.abc import Mapping
from typing import Any

from .contract import StageFailure

_MISSING = object()


def section(parameters: Mapping, name: str) -> dict:
    """A nested object of the parameters (e.g. `training`), empty when absent."""
    value = parameters.get(name, {})
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise StageFailure("BadRequest", f"parameters.{name} must be an object, got {type(value).__name__}")
    return dict(value)


def _describe(where: str, key: str) -> str:
    return f"parameters.{where}.{key}" if where else f"parameters.{key}"


def number(values: Mapping, key: str, default: Any = _MISSING, *, where: str = "", minimum=None, maximum=None) -> float:
    value = values.get(key, default)
    if value is _MISSING:
        raise StageFailure("BadRequest", f"{_describe(where, key)} is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StageFailure("BadRequest", f"{_describe(where, key)} must be a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise StageFailure("BadRequest", f"{_describe(where, key)} must be ≥ {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise StageFailure("BadRequest", f"{_describe(where, key)} must be ≤ {maximum}, got {value!r}")
    return float(value)


def integer(values: Mapping, key: str, default: Any = _MISSING, *, where: str = "", minimum=None, maximum=None) -> int:
    value = values.get(key, default)
    if value is _MISSING:
        raise StageFailure("BadRequest", f"{_describe(where, key)} is required")
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
        raise StageFailure("BadRequest", f"{_describe(where, key)} must be an integer, got {value!r}")
    value = int(value)
    number(values | {key: value}, key, where=where, minimum=minimum, maximum=maximum)
    return value


def boolean(values: Mapping, key: str, default: Any = _MISSING, *, where: str = "") -> bool:
    value = values.get(key, default)
    if not isinstance(value, bool):
        raise StageFailure("BadRequest", f"{_describe(where, key)} must be true or false, got {value!r}")
    return value


def text(values: Mapping, key: str, default: Any = _MISSING, *, where: str = "", choices=None) -> str:
    value = values.get(key, default)
    if value is _MISSING:
        raise StageFailure("BadRequest", f"{_describe(where, key)} is required")
    if not isinstance(value, str) or not value:
        raise StageFailure("BadRequest", f"{_describe(where, key)} must be a non-empty string, got {value!r}")
    if choices is not None and value not in choices:
        raise StageFailure("BadRequest", f"{_describe(where, key)} must be one of {sorted(choices)}, got {value!r}")
    return value
