"""Training never falls back to the CPU silently: Cuda (the default) or an explicit Cpu."""

import pytest
import torch

from mammoflow_jobs.contract import StageFailure
from mammoflow_jobs.engines.tensorrt import gpu_availability
from mammoflow_jobs.training.device import training_device

NO_GPU = gpu_availability(False, environ={}, device_files=[])
BROKEN_GPU = gpu_availability(False, environ={}, device_files=["nvidia0"])
GPU = gpu_availability(True, environ={}, device_files=["nvidia0"])


def refusal(parameters: dict, stage: str, gpu) -> StageFailure:
    """The failure training_device raises for these settings on this pod."""
    with pytest.raises(StageFailure) as failure:
        training_device(parameters, stage, gpu)
    return failure.value


def test_cpu_only_when_asked():
    assert training_device({"device": "Cpu"}, "train-fold", NO_GPU) == torch.device("cpu")


def test_cuda_when_usable():
    assert training_device({}, "train-fold", GPU) == torch.device("cuda")
    assert training_device({"device": "Cuda"}, "train-fold", GPU) == torch.device("cuda")


def test_no_gpu_fails_permanently_naming_the_option():
    failure = refusal({}, "train-fold", NO_GPU)
    assert failure.reason == "BadRequest"
    assert failure.message == (
        "train-fold: training needs a CUDA device and no GPU in this pod (no CUDA device, no /dev/nvidia*, "
        "NVIDIA_VISIBLE_DEVICES unset); set training.device: Cpu to train on the CPU (toy runs only: a full run "
        "takes weeks there)"
    )


def test_a_gpu_cuda_cannot_use_is_a_retryable_failure():
    failure = refusal({"device": "Cuda"}, "train-detector", BROKEN_GPU)
    assert failure.reason == "Internal"
    assert failure.message.startswith(
        "train-detector: training needs a CUDA device and a GPU is assigned (nvidia0) but CUDA cannot use it; "
        "set training.device: Cpu"
    )


def test_an_unknown_device_is_a_bad_request():
    failure = refusal({"device": "gpu"}, "train-detector", GPU)
    assert failure.reason == "BadRequest"
    assert "training.device must be one of ['Cpu', 'Cuda'], got 'gpu'" in failure.message
