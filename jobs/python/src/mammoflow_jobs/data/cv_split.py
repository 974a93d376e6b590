"""Patient-grouped, cancer-stratified folds (docs/seed-pipeline.md#cross-validation-split, `src/tools/cv_split.py`).

The seed split with scikit-learn 1.2.1's `StratifiedGroupKFold(4, shuffle=True,
random_state=67)`. scikit-learn 1.8 changed how that class shuffles, so calling the installed
scikit-learn no longer gives the seed's folds. `assign_folds` is our own implementation of the
group-to-fold assignment as scikit-learn 1.2.1 made it, independent of the installed
scikit-learn; `tests/test_cv_split.py` compares it with 1.2.1's output.

The procedure, for `folds` folds:

1. Classes are the sorted distinct labels, groups the sorted distinct group ids (patients); each
   group gets a row of per-class counts of its samples (images).
2. With shuffling, the rows of that count table are permuted by a legacy NumPy
   `RandomState(seed).shuffle` (Fisher–Yates on MT19937). The permuted rows are *not* carried
   back to their groups: row position k still stands for the k-th sorted group. So with
   shuffling, group k is placed according to the class counts of some other group; the
   resulting folds are group-disjoint but only loosely stratified. That is the behaviour of
   1.2.1 which the seed's folds depend on (scikit-learn 1.8 maps the permuted rows back to
   their groups, which gives other folds).
3. Positions are visited by decreasing standard deviation of their count row (a stable sort, so
   equal rows keep the permuted order): groups with the most lopsided class counts first.
4. Each position goes to the fold that, once the row is added to it, leaves the smallest
   imbalance: for every class, the standard deviation over folds of the fold's share of that
   class's total, averaged over classes. Folds are tried in order; a later fold wins when its
   imbalance is smaller, or within `numpy.isclose` of the best so far while the fold holds fewer
   samples than the best so far (before the row is added).
5. A fold's validation rows are the samples of its groups in row order; training rows the rest.

The floating-point arithmetic (NumPy `std` and `mean` of the same arrays in the same shape) is
kept as in the original, because near-ties are decided by it.
"""

import math
import warnings

import numpy as np
import pandas as pd


def _imbalance(fold_counts: np.ndarray, class_totals: np.ndarray) -> float:
    """Mean over classes of the standard deviation over folds of each fold's share of the class."""
    return float(np.mean(np.std(fold_counts / class_totals.reshape(1, -1), axis=0)))


def _near(score: float, best: float) -> bool:
    """`numpy.isclose(score, best)` (rtol 1e-5, atol 1e-8) for a finite score, on Python floats."""
    return math.isfinite(best) and abs(score - best) <= 1e-8 + 1e-5 * abs(best)


def _choose_fold(fold_counts: np.ndarray, class_totals: np.ndarray, row: np.ndarray) -> int:
    chosen, best, best_size = -1, np.inf, np.inf
    for fold in range(fold_counts.shape[0]):
        trial = fold_counts.copy()
        trial[fold] += row
        score = _imbalance(trial, class_totals)
        size = fold_counts[fold].sum()
        if score < best or (_near(score, best) and size < best_size):
            chosen, best, best_size = fold, score, size
    return chosen


def assign_folds(y, groups, folds: int, shuffle: bool = True, seed: int | None = 67) -> np.ndarray:
    """The validation fold (0..folds-1) of every sample, as scikit-learn 1.2.1 assigned it.

    `y`: one integer (or string) class label per sample; `groups`: one group id per sample.
    """
    y, groups = np.asarray(y), np.asarray(groups)
    if y.ndim != 1 or groups.shape != y.shape:
        raise ValueError(f"y and groups must be 1-d and of equal length, got {y.shape} and {groups.shape}")
    if folds < 2:
        raise ValueError(f"folds must be at least 2, got {folds}")
    if len(y) < folds:
        raise ValueError(f"cannot split {len(y)} samples into {folds} folds")
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError("class labels must be integers (no NaN, no fractions)")
    elif y.dtype.kind not in "iubUSO":
        raise ValueError(f"class labels must be integers or strings, got dtype {y.dtype}")

    _, class_of_sample, class_totals = np.unique(y, return_inverse=True, return_counts=True)
    if np.all(class_totals < folds):
        raise ValueError(f"every class has fewer than {folds} (folds) members")
    if class_totals.min() < folds:
        warnings.warn(
            f"the least populated class has only {class_totals.min()} members, fewer than {folds} folds",
            UserWarning,
            stacklevel=2,
        )
    _, group_of_sample, group_sizes = np.unique(groups, return_inverse=True, return_counts=True)
    class_of_sample, group_of_sample = class_of_sample.reshape(-1), group_of_sample.reshape(-1)

    table = np.zeros((len(group_sizes), len(class_totals)))
    np.add.at(table, (group_of_sample, class_of_sample), 1)
    if shuffle:
        # Legacy RandomState.shuffle draws the same swaps for an index vector as for the rows.
        order = np.arange(len(table))
        np.random.RandomState(seed).shuffle(order)
        table = table[order]  # row k now holds another group's counts; position k stays group k

    fold_counts = np.zeros((folds, len(class_totals)))
    fold_of_position = np.empty(len(table), dtype=np.int64)
    for position in np.argsort(-np.std(table, axis=1), kind="stable"):
        fold = _choose_fold(fold_counts, class_totals, table[position])
        fold_counts[fold] += table[position]
        fold_of_position[position] = fold
    return fold_of_position[group_of_sample]


def fold_indices(labels: pd.DataFrame, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, val rows) per fold; depends on the row order, as the seed's split does.

    y = `cancer` (image level), groups = `patient_id`, shuffled with `seed`.
    """
    fold_of_row = assign_folds(labels["cancer"].to_numpy(), labels["patient_id"].to_numpy(), folds, True, seed)
    rows = np.arange(len(labels))
    return [(rows[fold_of_row != k], rows[fold_of_row == k]) for k in range(folds)]


def fold_frames(labels: pd.DataFrame, folds: int, seed: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Full rows of each fold's training and validation set, index reset."""
    return [
        (labels.iloc[train].reset_index(drop=True), labels.iloc[val].reset_index(drop=True))
        for train, val in fold_indices(labels, folds, seed)
    ]


# The RSNA training set (train.csv) the seed split: its fold_check asserts hold there.
COMPETITION_PATIENTS = 11_913
COMPETITION_IMAGES = 54_706
IMPLANT_SHARE_RANGE = (0.01, 0.02)  # open interval, as the seed's assert


def fold_check(train: pd.DataFrame, val: pd.DataFrame) -> tuple[dict, list[str]]:
    """The seed's `fold_check` of one fold: (report, violated assertions in words).

    Asserts, on the validation fold: no patient is also in training; the mean age (over images,
    NaN skipped) of site 1 is below that of site 2; the share of patients with an implant is
    strictly between 1 % and 2 %. A check whose column is missing is a violation too. The report
    holds the values the seed printed (positives, machine ids, site mix, ages, implant share).
    """
    report: dict = {"valImages": len(val), "valPatients": int(val["patient_id"].nunique())}
    violations = []
    shared = set(train["patient_id"]) & set(val["patient_id"])
    if shared:
        violations.append(f"{len(shared)} patient(s) in both training and validation, e.g. {min(shared)}")
    report["valPositiveImages"] = int(val["cancer"].sum())
    report["valPositivePatients"] = int(val.loc[val["cancer"] == 1, "patient_id"].nunique())
    report["valPositiveImageShare"] = report["valPositiveImages"] / max(len(val), 1)
    report["valPositivePatientShare"] = report["valPositivePatients"] / max(report["valPatients"], 1)
    if "machine_id" in val.columns and "machine_id" in train.columns:
        val_machines, train_machines = set(val["machine_id"]), set(train["machine_id"])
        report["valMachineIds"] = sorted(val_machines)
        report["valMachineIdsNotInTrain"] = sorted(val_machines - train_machines)
        report["valMachine49Images"] = int((val["machine_id"] == 49).sum())
    if "site_id" in val.columns:
        report["valMeanSiteId"] = float(val["site_id"].mean())
    if "site_id" in val.columns and "age" in val.columns:
        site1 = float(val.loc[val["site_id"] == 1, "age"].mean())
        site2 = float(val.loc[val["site_id"] == 2, "age"].mean())
        report["valMeanAge"] = float(val["age"].mean())
        report["valMeanAgeSite1"], report["valMeanAgeSite2"] = site1, site2
        if not site1 < site2:  # NaN (a site without ages) fails too, as in the seed
            violations.append(f"mean age of site 1 ({site1:.2f}) is not below that of site 2 ({site2:.2f})")
    else:
        violations.append("no site_id/age column: the site age order cannot be checked")
    if "implant" in val.columns:
        share = val.loc[val["implant"] == 1, "patient_id"].nunique() / max(report["valPatients"], 1)
        report["valImplantPatientShare"] = share
        low, high = IMPLANT_SHARE_RANGE
        if not low < share < high:
            violations.append(f"implant patients are {100 * share:.2f} % of the fold, not between 1 % and 2 %")
    else:
        violations.append("no implant column: the implant share cannot be checked")
    return report, violations
