"""T1: pfbeta and gbmean_best_pfbeta against the seed's formulas (≤ 1e-12, same threshold)."""

import numpy as np
import pandas as pd
import pytest

from mammoflow_jobs.metrics.pfbeta import best_threshold_pfbeta, gbmean_best_pfbeta, pfbeta, threshold_grid


def seed_pfbeta(gts, preds, beta=1):
    """docs/seed-pipeline.md#metrics written as the seed states it, in plain Python floats."""
    preds = [min(max(float(p), 0.0), 1.0) for p in preds]
    positives = sum(1 for g in gts if g == 1)
    ctp = sum(p for g, p in zip(gts, preds, strict=True) if g == 1)
    cfp = sum(p for g, p in zip(gts, preds, strict=True) if g == 0)
    if ctp + cfp == 0:
        return 0.0
    precision, recall = ctp / (ctp + cfp), ctp / positives
    if precision > 0 and recall > 0:
        return (1 + beta * beta) * (precision * recall) / (beta * beta * precision + recall)
    return 0.0


def seed_best_threshold(gts, preds):
    """Sort by score (stable, descending), keep the tied best ones, take the first nearest to 0.5."""
    results = [(t, seed_pfbeta(gts, (np.asarray(preds) > t).astype(np.uint8))) for t in np.arange(0, 1, 0.01)]
    results.sort(key=lambda r: r[1], reverse=True)
    tied = [r for r in results if r[1] == results[0][1]]
    distances = [abs(t - 0.5) for t, _ in tied]
    return tied[int(np.argmin(distances))]


def test_pfbeta_known_values():
    # ctp = 0.8 + 0.2 = 1.0, cfp = 0.4 + 0.1 = 0.5: P = 2/3, R = 1/2, F1 = 4/7.
    assert pfbeta(np.array([1, 0, 1, 0]), np.array([0.8, 0.4, 0.2, 0.1])) == pytest.approx(4 / 7, abs=1e-15)
    # Clipping to [0,1]; on 0/1 predictions pF1 is F1: tp 2, fp 1, fn 1 → 2/3.
    assert pfbeta(np.array([1, 1, 1, 0]), np.array([1.7, 1.0, -0.2, 1.0])) == pytest.approx(2 / 3, abs=1e-15)
    assert pfbeta(np.array([1, 0]), np.array([0.0, 0.0])) == 0.0
    assert pfbeta(np.array([1, 0]), np.array([0.0, 0.9])) == 0.0


def test_pfbeta_matches_the_seed_formula_on_random_data():
    rng = np.random.default_rng(1)
    for _ in range(20):
        gts = (rng.random(500) < 0.1).astype(int)
        preds = rng.random(500) * 1.2 - 0.1
        assert abs(pfbeta(gts, preds) - seed_pfbeta(gts, preds)) <= 1e-12


def test_threshold_grid_is_numpys_arange_with_its_float_values():
    grid = threshold_grid(0.01)
    assert len(grid) == 100 and grid[0] == 0.0 and grid[-1] == np.arange(0, 1, 0.01)[-1]
    assert grid[7] == 0.07 and grid[35] == 0.35000000000000003  # i·0.01, not rounded to 0.35


def test_best_threshold_matches_seed_search_including_ties():
    rng = np.random.default_rng(7)
    for trial in range(30):
        n = 60 + trial
        gts = (rng.random(n) < 0.2).astype(float)
        # Coarse probabilities create plateaus of equal pF1 over many thresholds (tie-breaking matters).
        preds = np.round(rng.random(n) * (0.6 + 0.4 * gts), 1)
        search = best_threshold_pfbeta(gts, preds)
        expected_threshold, expected_score = seed_best_threshold(gts, preds)
        assert abs(search.best_pfbeta - expected_score) <= 1e-12
        assert search.best_threshold == expected_threshold


def test_ties_go_to_the_threshold_nearest_half():
    # One positive at 0.9, one negative at 0.1: every t in [0.10, 0.89] gives F1 = 1.
    search = best_threshold_pfbeta(np.array([1.0, 0.0]), np.array([0.9, 0.1]))
    assert search.best_pfbeta == 1.0 and search.best_threshold == 0.5
    # Perfect only for t in [0.0, 0.19]: the nearest to 0.5 is the largest, 0.19.
    search = best_threshold_pfbeta(np.array([1.0, 0.0]), np.array([0.2, 0.0]))
    assert search.best_threshold == np.arange(0, 1, 0.01)[19]


def test_gbmean_averages_images_per_breast_before_thresholding():
    frame = pd.DataFrame(
        {
            "patient_id": [1, 1, 1, 2, 2, 3],
            "laterality": ["L", "L", "R", "L", "L", "R"],
            "preds": [0.9, 0.3, 0.2, 0.1, 0.2, 0.55],
            "targets": [1, 1, 0, 0, 0, 1],
        }
    )
    # Breasts: (1,L) 0.6 pos, (1,R) 0.2 neg, (2,L) 0.15 neg, (3,R) 0.55 pos → F1 1 for t in [0.2, 0.54].
    search = gbmean_best_pfbeta(frame)
    assert search.best_pfbeta == 1.0 and search.best_threshold == 0.5
    breasts = frame.groupby(["patient_id", "laterality"])[["preds", "targets"]].mean()
    assert (
        abs(search.best_pfbeta - seed_best_threshold(breasts.targets.to_numpy(), breasts.preds.to_numpy())[1]) <= 1e-12
    )
