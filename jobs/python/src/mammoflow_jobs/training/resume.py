"""Pre-emption safety: the whole training state in one file, replaced atomically.

A restarted pod with the same request finds it and continues at the saved step; model,
EMA, optimizer, scaler and every RNG state are in it, so the continuation is the same
computation as an uninterrupted run (on the same hardware and settings).
"""

import os
import random
from pathlib import Path

import numpy as np
import torch

from ..contract import write_json_atomic

RESUME_FILE = "resume/state.pt"
# A small readable copy of where the state is, for people and for the pre-emption test.
PROGRESS_FILE = "resume/progress.json"


def rng_states() -> dict:
    states = {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict) -> None:
    torch.set_rng_state(states["torch"])
    np.random.set_state(states["numpy"])
    random.setstate(states["python"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def save_atomic(value, path: Path) -> None:
    """torch.save to a temporary name, fsync, rename: a kill never leaves a torn file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    torch.save(value, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def save_state(folder: Path, state: dict) -> None:
    save_atomic(state, folder / RESUME_FILE)
    progress = {k: state["progress"][k] for k in ("epoch", "step")}
    write_json_atomic(folder / PROGRESS_FILE, progress)


def load_state(folder: Path) -> dict | None:
    path = folder / RESUME_FILE
    if not path.is_file():
        return None
    # Our own file, written by this code: it holds NumPy/Python RNG tuples, not only tensors.
    return torch.load(path, map_location="cpu", weights_only=False)


def clear_state(folder: Path) -> None:
    (folder / RESUME_FILE).unlink(missing_ok=True)
    (folder / PROGRESS_FILE).unlink(missing_ok=True)
