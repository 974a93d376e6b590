"""A stage's named inputs as its catalogue entry declares them.

jobs/contract/catalogue/<stage>.ts declares each stage's inputs once ("required" or "optional");
the generated `schemas/<stage>.parameters.schema.json` carries them under `x-mammoflow-inputs`,
so that a Python stage names its inputs as the catalogue does and a test can check every name a
stage reads (jobs/python/tests/test_stage_inputs.py). A declared name may stand for a family:
`{k}` for a number (`fold{k}`: fold0, fold1, …), `{name}` for a word (`{name}-labels`).
"""

import re
from collections.abc import Mapping

from .parameters import parameter_schema

INPUTS_KEY = "x-mammoflow-inputs"
_PLACEHOLDERS = {"{k}": r"(\d+)", "{name}": r"([^/]+)"}


def declared_inputs(stage: str) -> dict[str, str]:
    """The stage's declared input names, each "required" or "optional"."""
    return dict(parameter_schema(stage).get(INPUTS_KEY, {}))


def _pattern(declared: str) -> re.Pattern:
    parts = re.split(r"(\{k\}|\{name\})", declared)
    return re.compile("".join(_PLACEHOLDERS.get(part, re.escape(part)) for part in parts))


def declares_input(stage: str, name: str) -> bool:
    """Whether `name` is one of the stage's declared inputs (or of a declared family)."""
    return any(_pattern(declared).fullmatch(name) for declared in declared_inputs(stage))


def family_inputs(stage: str, family: str, inputs: Mapping[str, str]) -> dict[str, str]:
    """The request's inputs of a declared family (`fold{k}`), by the placeholder's value: {"0": "fold0"}."""
    if family not in declared_inputs(stage):
        raise ValueError(f"stage {stage} declares no input family '{family}'")
    pattern = _pattern(family)
    return {match.group(1): name for name in inputs if (match := pattern.fullmatch(name))}
