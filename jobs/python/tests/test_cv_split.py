"""T2: cv-split makes the seed's folds: scikit-learn 1.2.1's StratifiedGroupKFold(4, shuffle, 67).

The expectation is computed in the test by scikit-learn 1.2.1 itself: Debian 12's
/usr/bin/python3 with python3-sklearn (`npm run setup:test` installs it), run on the same label
file in a subprocess (`sklearn121_folds.py`). The installed scikit-learn (≥ 1.8) shuffles
differently and is not used by the stage.
"""

import json
import logging
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import make_request
from synthetic import rsna_labels

from mammoflow_jobs.data.cv_split import COMPETITION_PATIENTS, assign_folds
from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES

SYSTEM_PYTHON = Path("/usr/bin/python3")
REFERENCE = Path(__file__).with_name("sklearn121_folds.py")
INSTALL_HINT = (
    "the split test needs scikit-learn 1.2.1 (the seed's version) in Debian 12's /usr/bin/python3: "
    "run `npm run setup:test` (it installs python3-sklearn) or `sudo apt-get install -y python3-sklearn`"
)


def sklearn121_folds(csv: Path, folds: int = 4, seed: int = 67) -> np.ndarray:
    """The validation fold of every row of `csv`, as scikit-learn 1.2.1 assigns it."""
    if not SYSTEM_PYTHON.is_file():
        pytest.fail(f"{SYSTEM_PYTHON} is missing; {INSTALL_HINT}")
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-I", str(REFERENCE), str(csv), str(folds), str(seed)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 3:
        pytest.fail(f"{done.stderr.strip()}; {INSTALL_HINT}")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["sklearn"] == "1.2.1"
    return np.array(answer["fold"])


def stage_folds(storage: Path, labels: pd.DataFrame, folds: int = 4) -> dict[int, int]:
    """image_id → validation fold, from the stage's val_fold_{i}.csv."""
    out = storage / "runs/local/ClassificationDataset/demo/cv-split/cv/v2"
    fold_of_image = {}
    for i in range(folds):
        train, val = pd.read_csv(out / f"train_fold_{i}.csv"), pd.read_csv(out / f"val_fold_{i}.csv")
        assert not set(train.patient_id) & set(val.patient_id)
        assert len(train) + len(val) == len(labels)
        # Full rows in the label file's order, index reset (as the seed's df.loc[idx].reset_index).
        pd.testing.assert_frame_equal(val, labels[labels.image_id.isin(val.image_id)].reset_index(drop=True))
        pd.testing.assert_frame_equal(train, labels[~labels.image_id.isin(val.image_id)].reset_index(drop=True))
        for image in val.image_id:
            assert image not in fold_of_image
            fold_of_image[image] = i
    return fold_of_image


def write_labels(storage: Path, labels: pd.DataFrame) -> Path:
    folder = storage / "prep" / "rsna-breast-cancer-detection"
    folder.mkdir(parents=True)
    labels.to_csv(folder / "cleaned_label.csv", index=False)
    return folder / "cleaned_label.csv"


def run_split(storage: Path, write_request, parameters=None) -> int:
    request = make_request(inputs={"dataset": "prep"}, parameters={"cvSplit": parameters or {}})
    return run_stage(STAGES, "cv-split", write_request(request), storage)


def result(storage: Path) -> dict:
    return json.loads((storage / "runs/local/ClassificationDataset/demo/cv-split/result.json").read_text())


@pytest.mark.parametrize("patients", [60, 800, 4000, COMPETITION_PATIENTS])
def test_every_image_is_in_the_validation_fold_sklearn_1_2_1_gives_it(patients, storage, write_request):
    labels = rsna_labels(patients, seed=patients)
    csv = write_labels(storage, labels)
    expected = sklearn121_folds(csv)

    assert run_split(storage, write_request) == 0
    got = stage_folds(storage, labels)
    ours = np.array([got[image] for image in labels.image_id])
    matched = int((ours == expected).sum())
    assert matched == len(labels), f"{matched} of {len(labels)} images in 1.2.1's validation fold"
    # The full-size file is taken for the competition data: the seed's asserts hold and are enforced.
    assert result(storage)["metrics"]["foldChecksEnforced"] == int(patients == COMPETITION_PATIENTS)


@pytest.mark.parametrize(("folds", "seed"), [(4, 67), (5, 0), (2, 12345)])
def test_assignment_on_shuffled_rows_and_other_settings_equals_sklearn_1_2_1(folds, seed, tmp_path):
    # Rows not sorted by patient, string-free integer labels; folds and seed as requested.
    labels = rsna_labels(700, seed=seed + 7).sample(frac=1, random_state=seed).reset_index(drop=True)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    expected = sklearn121_folds(tmp_path / "labels.csv", folds, seed)
    ours = assign_folds(labels.cancer.to_numpy(), labels.patient_id.to_numpy(), folds, True, seed)
    assert int((ours == expected).sum()) == len(labels)


def test_without_shuffling_the_assignment_equals_the_installed_sklearn():
    # 1.8 changed only the shuffled path; unshuffled, every version (1.2.1 and the installed) agrees.
    from sklearn.model_selection import StratifiedGroupKFold

    labels = rsna_labels(500, seed=5)
    ours = assign_folds(labels.cancer, labels.patient_id, 4, shuffle=False)
    for k, (_, val) in enumerate(StratifiedGroupKFold(4).split(labels, labels.cancer, groups=labels.patient_id)):
        assert (ours[val] == k).all() and (ours == k).sum() == len(val)


def test_fold_check_fails_the_stage_on_the_competition_data(storage, write_request):
    labels = rsna_labels(COMPETITION_PATIENTS, seed=COMPETITION_PATIENTS, implant_rate=0.0)
    write_labels(storage, labels)
    assert run_split(storage, write_request) == 2
    error = result(storage)["error"]
    assert error["reason"] == "BadInput"
    assert "the seed's fold_check fails on the full competition data" in error["message"]
    for fold in range(4):
        assert f"val fold {fold}: implant patients are 0.00 % of the fold, not between 1 % and 2 %" in error["message"]
    assert not (storage / "runs/local/ClassificationDataset/demo/cv-split/cv").exists()


def test_fold_check_is_a_warning_on_other_data(storage, write_request, caplog):
    labels = rsna_labels(400, seed=9)
    labels["age"] = np.where(labels.site_id == 1, 70.0, 50.0)  # site 1 older than site 2
    write_labels(storage, labels)
    with caplog.at_level(logging.WARNING):
        assert run_split(storage, write_request) == 0
    metrics = result(storage)["metrics"]
    assert metrics["foldChecksEnforced"] == 0
    assert metrics["foldCheckViolations"] >= 4  # the age order in each fold (implant share may fail too)
    assert metrics["fold0ValMeanAgeSite1"] == 70.0 and metrics["fold0ValMeanAgeSite2"] == 50.0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("val fold 0: mean age of site 1 (70.00) is not below that of site 2 (50.00)" in w for w in warnings)
    report = json.loads((storage / "runs/local/ClassificationDataset/demo/cv-split/fold_check.json").read_text())
    assert report["enforced"] is False and len(report["folds"]) == 4
    assert report["folds"][0]["violations"][0].startswith("mean age of site 1")


def test_a_different_seed_changes_the_assignment_and_bad_input_is_permanent(storage, write_request):
    labels = rsna_labels(200, seed=3)
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
    labels.assign(cancer=0.5).to_csv(storage / "fraction.csv", index=False)
    request = make_request(inputs={"dataset": "fraction.csv"}, outputDir="fraction")
    assert run_stage(STAGES, "cv-split", write_request(request), storage) == 2
