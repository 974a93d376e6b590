"""Registry of the Python stage programs, by contract stage name (jobs/contract/stages.ts).

Each stage module adds itself here; `python -m mammoflow_jobs --list` shows what is available.
"""

from ..runner import StageFunction

STAGES: dict[str, StageFunction] = {}


def stage(name: str):
    """Decorator that registers a stage function under its contract name."""

    def register(function: StageFunction) -> StageFunction:
        STAGES[name] = function
        return function

    return register


# Each module registers itself on import; the imports come last because they use `stage` above.
from . import (  # noqa: E402, F401
    build_engine,
    cv_split,
    export_onnx,
    roi_dataset,
    select_checkpoints,
    train_detector,
    train_fold,
)
