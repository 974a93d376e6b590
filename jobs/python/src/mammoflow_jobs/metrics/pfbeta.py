"""Probabilistic F-beta and the breast-level best-threshold search (`gbmean_best_pfbeta`).

The arithmetic follows the seed's `pfbeta_np` operation for operation (float64), so values and
ties between thresholds come out bit-identical: the tie-break to 0.5 depends on exact equality.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

BREAST_KEYS = ["patient_id", "laterality"]


def pfbeta(targets: np.ndarray, predictions: np.ndarray, beta: float = 1.0) -> float:
    """pF-beta of probabilities clipped to [0,1]; 0 when precision or recall is 0 (or undefined)."""
    targets = np.asarray(targets, dtype=np.float64)
    predictions = np.clip(np.asarray(predictions, dtype=np.float64), 0.0, 1.0)
    positives = targets.sum()
    ctp = predictions[targets == 1].sum()
    cfp = predictions[targets == 0].sum()
    return _fbeta(np.array([ctp]), np.array([cfp]), positives, beta)[0]


def _fbeta(ctp: np.ndarray, cfp: np.ndarray, positives: float, beta: float) -> np.ndarray:
    beta_squared = beta * beta
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = ctp / (ctp + cfp)
        recall = ctp / positives
        score = (1 + beta_squared) * (precision * recall) / (beta_squared * precision + recall)
    valid = (precision > 0) & (recall > 0) & np.isfinite(score)
    return np.where(valid, score, 0.0)


@dataclass(frozen=True)
class ThresholdSearch:
    best_pfbeta: float
    best_threshold: float
    thresholds: np.ndarray
    scores: np.ndarray


def threshold_grid(step: float = 0.01) -> np.ndarray:
    """np.arange(0, 1, step): the seed's grid, float values included (0.07 is 0.07000000000000001)."""
    return np.arange(0, 1, step)


def best_threshold_pfbeta(targets: np.ndarray, predictions: np.ndarray, step: float = 0.01) -> ThresholdSearch:
    """pF1 of `predictions > t` for every t of the grid; the best, ties to the t nearest 0.5.

    Among equal best scores the seed keeps grid order (stable sort) and takes the first minimum
    of |t − 0.5|, so of two equidistant thresholds the smaller wins.
    """
    targets = np.asarray(targets, dtype=np.float64)
    predictions = np.asarray(predictions, dtype=np.float64)
    thresholds = threshold_grid(step)
    flagged = predictions[None, :] > thresholds[:, None]
    ctp = (flagged & (targets == 1)[None, :]).sum(axis=1).astype(np.float64)
    cfp = (flagged & (targets == 0)[None, :]).sum(axis=1).astype(np.float64)
    scores = _fbeta(ctp, cfp, targets.sum(), 1.0)
    top = scores.max()
    tied = np.flatnonzero(scores == top)
    best = tied[np.argmin(np.abs(thresholds[tied] - 0.5))]
    return ThresholdSearch(float(top), float(thresholds[best]), thresholds, scores)


def breast_level(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean image probability and target per breast (patient_id, laterality), as `gbmean`."""
    return frame.groupby(BREAST_KEYS)[["preds", "targets"]].mean()


def gbmean_best_pfbeta(frame: pd.DataFrame, step: float = 0.01) -> ThresholdSearch:
    """The seed's eval metric on a frame with patient_id, laterality, preds, targets."""
    breasts = breast_level(frame)
    return best_threshold_pfbeta(breasts["targets"].to_numpy(), breasts["preds"].to_numpy(), step)
