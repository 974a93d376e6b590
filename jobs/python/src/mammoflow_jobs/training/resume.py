"""Pre-emption safety: the whole training state in one file, replaced atomically.

A restarted pod with the same request finds it and continues at the saved step; model,
EMA, optimizer, scaler and every RNG state are in it, so the continuation is the same
computation as an uninterrupted run (on the same hardware and settings).

The state is tied to the request that wrote it (`requestDigest`, the SHA-256 of the request
file): an edited stage (other hyper-parameters, or inputs re-made upstream) writes into the same
folder, and resuming the old model there would train a mix of both requests.
"""

import logging
import os
import random
from pathlib import Path

import numpy as np
import torch

from ..contract import temporary_beside, write_json_atomic

RESUME_FILE = "resume/state.pt"
# A small readable copy of where the state is, for people and for the pre-emption test.
PROGRESS_FILE = "resume/progress.json"
REQUEST_DIGEST = "requestDigest"

log = logging.getLogger("mammoflow.resume")


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
    temporary = temporary_beside(path)
    torch.save(value, temporary)
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def save_state(folder: Path, state: dict) -> None:
    """Saves `state` (with its `requestDigest`, which load_state compares)."""
    save_atomic(state, folder / RESUME_FILE)
    progress = {k: state["progress"][k] for k in ("epoch", "step")}
    if REQUEST_DIGEST in state:
        progress[REQUEST_DIGEST] = state[REQUEST_DIGEST]
    write_json_atomic(folder / PROGRESS_FILE, progress)


def load_state(folder: Path, request_digest: str | None = None) -> dict | None:
    """The saved state of this request, or None: none saved, or saved by another request
    (then it is removed, and the run starts fresh)."""
    path = folder / RESUME_FILE
    if not path.is_file():
        return None
    # Our own file, written by this code: it holds NumPy/Python RNG tuples, not only tensors.
    state = torch.load(path, map_location="cpu", weights_only=False)
    if request_digest is not None and state.get(REQUEST_DIGEST) != request_digest:
        log.warning(
            "resume state in %s belongs to request %s, not this one (%s): starting fresh",
            folder,
            state.get(REQUEST_DIGEST, "(unrecorded)"),
            request_digest,
        )
        clear_state(folder)
        return None
    return state


def clear_state(folder: Path) -> None:
    (folder / RESUME_FILE).unlink(missing_ok=True)
    (folder / PROGRESS_FILE).unlink(missing_ok=True)
