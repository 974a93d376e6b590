"""Choosing one checkpoint per fold by pooled out-of-fold `gbmean_best_pfbeta`.

See docs/seed-pipeline.md#checkpoint-selection.
"""

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from .pfbeta import gbmean_best_pfbeta


def epoch_name(epoch: float) -> str:
    """How the seed names an epoch in file names: 11 → '11', 9.5 → '9.5'."""
    return str(int(epoch)) if float(epoch).is_integer() else repr(float(epoch))


@dataclass(frozen=True)
class Candidate:
    combination: tuple[float, ...]
    pfbeta: float
    threshold: float


def rank_combinations(
    candidate_epochs: Sequence[Sequence[float]],
    predictions: Callable[[int, float], pd.DataFrame],
    step: float = 0.01,
    expected_rows: int | None = None,
) -> list[Candidate]:
    """Every combination (itertools.product order) scored on its pooled predictions, best first.

    The sort is stable, so among equal scores the earliest combination wins, as in the seed.
    """
    cache: dict[tuple[int, float], pd.DataFrame] = {}

    def frame(fold: int, epoch: float) -> pd.DataFrame:
        if (fold, epoch) not in cache:
            cache[(fold, epoch)] = predictions(fold, epoch)
        return cache[(fold, epoch)]

    ranked = []
    for combination in itertools.product(*candidate_epochs):
        pooled = pd.concat([frame(i, e) for i, e in enumerate(combination)]).reset_index(drop=True)
        if expected_rows is not None and len(pooled) != expected_rows:
            raise ValueError(f"pooled predictions of {combination} have {len(pooled)} rows, expected {expected_rows}")
        search = gbmean_best_pfbeta(pooled, step)
        ranked.append(Candidate(tuple(combination), search.best_pfbeta, search.best_threshold))
    ranked.sort(key=lambda c: c.pfbeta, reverse=True)
    return ranked
