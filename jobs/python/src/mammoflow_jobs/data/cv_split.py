"""Patient-grouped, cancer-stratified folds (pipeline-spec §4, `src/tools/cv_split.py`)."""

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold


def fold_indices(labels: pd.DataFrame, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, val rows) per fold; depends on the row order, as the seed's split does."""
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(labels, labels["cancer"], groups=labels["patient_id"]))


def fold_frames(labels: pd.DataFrame, folds: int, seed: int) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Full rows of each fold's training and validation set, index reset."""
    return [
        (labels.loc[train].reset_index(drop=True), labels.loc[val].reset_index(drop=True))
        for train, val in fold_indices(labels, folds, seed)
    ]
