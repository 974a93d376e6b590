"""Reading the seed's checkpoint files (timm `checkpoint-*.pth.tar`, YOLOX `*.pth`)."""

import pickle
from pathlib import Path

import torch

from ..contract import StageFailure


def load_checkpoint_file(path: Path) -> dict:
    """The pickled dict of a checkpoint.

    The seed's files hold more than tensors (timm stores the argparse Namespace under `args`),
    which the safe loader refuses; they come from the user's own storage, so the full unpickler
    is the fallback, never the first choice.
    """
    try:
        try:
            value = torch.load(path, map_location="cpu", weights_only=True)
        except pickle.UnpicklingError:
            value = torch.load(path, map_location="cpu", weights_only=False)
    except MemoryError:
        raise  # a real checkpoint too big for this pod: retryable elsewhere, not bad input
    except Exception as error:
        # Not a checkpoint at all (a text file, a truncated download): the unpicklers fail in
        # their own ways (UnpicklingError, IndexError, EOFError, ...) and retrying cannot help.
        raise StageFailure("BadInput", f"cannot read checkpoint {path}: {error!r}", str(path)) from error
    if not isinstance(value, dict):
        raise StageFailure("BadInput", f"checkpoint {path} is not a dict but {type(value).__name__}", str(path))
    return value


def strip_module_prefix(state_dict: dict) -> dict:
    """Weights saved from a DataParallel/DDP wrapper carry a `module.` prefix."""
    return {(k[len("module.") :] if k.startswith("module.") else k): v for k, v in state_dict.items()}
