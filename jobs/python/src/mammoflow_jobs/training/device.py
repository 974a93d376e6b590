"""Where a training stage runs: CUDA unless the request says Cpu.

A seed-sized training run on the CPU takes weeks, so a missing or unusable GPU is an error, never
a silent fallback; `training.device: Cpu` is the explicit choice for toy runs (tests, demos).
"""

import torch

from .. import params
from ..contract import StageFailure
from ..engines.tensorrt import GpuAvailability, gpu_availability

DEVICES = ("Cuda", "Cpu")


def training_device(training: dict, stage: str, gpu: GpuAvailability | None = None) -> torch.device:
    """The device of `parameters.training.device` (default Cuda); fails when Cuda is asked and unusable.

    `gpu` is this machine's (looked up when not given; tests pass one).
    """
    requested = params.text(training, "device", "Cuda", where="training", choices=DEVICES)
    if requested == "Cpu":
        return torch.device("cpu")
    gpu = gpu or gpu_availability(torch.cuda.is_available())
    if gpu.present:
        return torch.device("cuda")
    # No GPU in the pod is permanent (the same Job gives the same pod); an assigned GPU that CUDA
    # cannot use is a driver fault a retry may not have.
    raise StageFailure(
        "BadRequest" if gpu.permanent else "Internal",
        f"{stage}: training needs a CUDA device and {gpu.reason.split(':')[0]}; "
        "set training.device: Cpu to train on the CPU (toy runs only: a full run takes weeks there)",
    )
