"""T2: cv-split equals a direct scikit-learn StratifiedGroupKFold(4, shuffle, 67) on the same rows."""

import numpy as np
import pandas as pd
from conftest import make_request
from sklearn.model_selection import StratifiedGroupKFold

from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES


def synthetic_labels(rows: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    patients = rng.integers(10000, 10200, rows)
    cancer = (rng.random(200) < 0.08)[patients - 10000].astype(int)  # a patient's label is shared
    return pd.DataFrame(
        {
            "site_id": rng.integers(1, 3, rows),
            "patient_id": patients,
            "image_id": rng.permutation(10**6)[:rows],
            "laterality": rng.choice(["L", "R"], rows),
            "cancer": cancer,
            "age": rng.uniform(40, 80, rows).round(1),
        }
    )


def test_folds_equal_sklearn_on_the_same_row_order(storage, write_request):
    labels = synthetic_labels()
    (storage / "prep" / "rsna-breast-cancer-detection").mkdir(parents=True)
    labels.to_csv(storage / "prep/rsna-breast-cancer-detection/cleaned_label.csv", index=False)
    request = make_request(inputs={"dataset": "prep"}, parameters={"cvSplit": {"folds": 4, "seed": 67}})
    assert run_stage(STAGES, "cv-split", write_request(request), storage) == 0

    out = storage / request["outputDir"] / "cv" / "v2"
    expected = StratifiedGroupKFold(n_splits=4, shuffle=True, random_state=67).split(
        labels, labels.cancer, groups=labels.patient_id
    )
    seen_val = []
    for i, (train_rows, val_rows) in enumerate(expected):
        train, val = pd.read_csv(out / f"train_fold_{i}.csv"), pd.read_csv(out / f"val_fold_{i}.csv")
        pd.testing.assert_frame_equal(train, labels.loc[train_rows].reset_index(drop=True))
        pd.testing.assert_frame_equal(val, labels.loc[val_rows].reset_index(drop=True))
        assert not set(train.patient_id) & set(val.patient_id)
        seen_val.extend(val.image_id)
    assert sorted(seen_val) == sorted(labels.image_id)  # every row validated exactly once


def test_a_different_seed_changes_the_assignment_and_bad_input_is_permanent(storage, write_request):
    labels = synthetic_labels()
    labels.to_csv(storage / "labels.csv", index=False)
    folds = {}
    for seed in (67, 68):
        request = make_request(
            inputs={"dataset": "labels.csv"}, parameters={"cvSplit": {"seed": seed}}, outputDir=f"o{seed}"
        )
        assert run_stage(STAGES, "cv-split", write_request(request), storage) == 0
        folds[seed] = pd.read_csv(storage / f"o{seed}/cv/v2/val_fold_0.csv").image_id.tolist()
    assert folds[67] != folds[68]
    labels.drop(columns="cancer").to_csv(storage / "bad.csv", index=False)
    request = make_request(inputs={"dataset": "bad.csv"}, outputDir="bad")
    assert run_stage(STAGES, "cv-split", write_request(request), storage) == 2
