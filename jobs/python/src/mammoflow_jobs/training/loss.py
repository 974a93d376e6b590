"""Soft-positive BCE (`BinaryCrossEntropyPosSmoothOnly`, docs/seed-pipeline.md#optimisation)."""

import torch
import torch.nn.functional as F


def soft_positive_bce(logits: torch.Tensor, labels: torch.Tensor, smoothing: float) -> torch.Tensor:
    """BCE-with-logits, batch mean; targets 1 − smoothing for positives and 0 for negatives."""
    targets = torch.where(labels.bool(), 1.0 - smoothing, 0.0).view(-1, 1)
    return F.binary_cross_entropy_with_logits(logits, targets, reduction="mean")
