"""Validation probabilities as the seed's train_exp.validate computes them (issue 16, point 3)."""

import numpy as np
import torch

from mammoflow_jobs.training.loop import validation_probabilities


def test_fp16_logits_give_fp16_rounded_probabilities():
    # Logits as autocast returns them: fp16. The seed's sigmoid runs on that fp16 tensor, outside
    # autocast, into a float32 buffer: every probability is an fp16 value.
    logits = torch.linspace(-6, 6, 2001).half().reshape(-1, 1)
    got = validation_probabilities(logits)
    assert got.dtype == torch.float32
    expected = torch.sigmoid(logits.float()).half().float()[:, 0]
    assert torch.equal(got, expected)
    # The float32 sigmoid of the same logits (what was written before) is not fp16-rounded.
    assert not torch.equal(torch.sigmoid(logits.float())[:, 0], expected)
    assert torch.equal(got.half().float(), got)


def test_fp32_logits_keep_fp32_probabilities():
    logits = torch.tensor([[-1.2345678], [0.1234567]], dtype=torch.float32)
    assert torch.equal(validation_probabilities(logits), torch.sigmoid(logits)[:, 0])


def test_nan_probabilities_become_zero_as_in_the_seed():
    logits = torch.tensor([[float("nan")], [0.0], [float("inf")], [float("-inf")]]).half()
    np.testing.assert_array_equal(validation_probabilities(logits).numpy(), [0.0, 0.5, 1.0, 0.0])
