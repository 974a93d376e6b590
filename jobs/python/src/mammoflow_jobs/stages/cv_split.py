"""cv-split (seed J4): `cv/v2/{train,val}_fold_{i}.csv` from a dataset's cleaned_label.csv.

Input `dataset`: the prepare-dataset folder, which holds `{dataset}/cleaned_label.csv`
(the seed's `classification/{dataset}/cleaned_label.csv`), or that CSV file itself.

The folds are the seed's (scikit-learn 1.2.1's assignment, `data/cv_split.py`) on any installed
scikit-learn. The seed's `fold_check` asserts (no patient in training and validation; mean age
of site 1 below site 2; implant patients strictly between 1 % and 2 % of each validation fold)
are evaluated on every fold and written to `fold_check.json`. They are enforced — the stage
fails (BadInput) naming every violation — when the split is the full competition data: the
`rsna-breast-cancer-detection` dataset with all 11,913 patients of train.csv. On any other data
(a subset, synthetic data) a violation is a warning in the log and the result metrics
(`foldCheckViolations`); a patient in both training and validation always fails.
"""

import json
import logging
import math

import pandas as pd

from .. import params
from ..contract import StageFailure
from ..data.cv_split import COMPETITION_PATIENTS, fold_check, fold_frames
from ..runner import StageContext
from . import stage

REQUIRED_COLUMNS = ("patient_id", "image_id", "cancer")
COMPETITION_DATASET = "rsna-breast-cancer-detection"

log = logging.getLogger("mammoflow.stage.cv-split")


def is_competition_data(dataset: str, labels: pd.DataFrame) -> bool:
    """The full RSNA training set, on which the seed's fold_check asserts must hold."""
    return dataset == COMPETITION_DATASET and labels["patient_id"].nunique() == COMPETITION_PATIENTS


@stage("cv-split")
def cv_split_stage(ctx: StageContext) -> None:
    settings = params.section(ctx.request.stage_parameters, "cvSplit")
    folds = params.integer(settings, "folds", where="cvSplit", minimum=2, maximum=20)
    seed = params.integer(settings, "seed", where="cvSplit", minimum=0)
    dataset = params.text(settings, "dataset", where="cvSplit")

    source = ctx.input_path("dataset")
    csv = source if source.is_file() else source / dataset / "cleaned_label.csv"
    if not csv.is_file():
        raise StageFailure("MissingArtifact", f"no cleaned_label.csv for {dataset}: {csv}", str(csv))
    labels = pd.read_csv(csv)
    missing = [c for c in REQUIRED_COLUMNS if c not in labels.columns]
    if missing:
        raise StageFailure("BadInput", f"{csv} lacks column(s) {', '.join(missing)}", str(csv))
    if labels["patient_id"].nunique() < folds:
        raise StageFailure("BadInput", f"{csv} has fewer patients than folds ({folds})", str(csv))

    try:
        frames = fold_frames(labels, folds, seed)
    except ValueError as error:
        raise StageFailure("BadInput", f"{csv}: cannot split into {folds} folds: {error}", str(csv)) from error

    enforce = is_competition_data(dataset, labels)
    reports, violations = [], []
    for i, (train, val) in enumerate(frames):
        if set(train["patient_id"]) & set(val["patient_id"]):  # a bug of the split, whatever the data
            raise StageFailure("Internal", f"val fold {i}: a patient is in both training and validation")
        report, problems = fold_check(train, val)
        reports.append(report | {"fold": i, "violations": problems})
        violations += [f"val fold {i}: {problem}" for problem in problems]
    check_path = ctx.output_dir / "fold_check.json"
    check_path.write_text(json.dumps({"enforced": enforce, "folds": reports}, indent=1, default=_plain) + "\n")
    ctx.add_artifact("fold_check", check_path)
    if violations and enforce:
        raise StageFailure(
            "BadInput",
            f"the seed's fold_check fails on the full competition data ({len(violations)}): " + "; ".join(violations),
            str(csv),
        )
    for violation in violations:
        log.warning("fold_check (not enforced on data other than the full competition set): %s", violation)

    out = ctx.output_dir / "cv" / "v2"
    out.mkdir(parents=True, exist_ok=True)
    for i, (train, val) in enumerate(frames):
        for name, frame in ((f"train_fold_{i}", train), (f"val_fold_{i}", val)):
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False)
            ctx.add_artifact(name, path)
        ctx.metrics[f"fold{i}ValRows"] = len(val)
        ctx.metrics[f"fold{i}ValPositiveRate"] = float(val["cancer"].mean())
        for key in ("valMeanAgeSite1", "valMeanAgeSite2", "valImplantPatientShare"):
            value = reports[i].get(key)
            if value is not None and math.isfinite(value):
                ctx.metrics[f"fold{i}{key[0].upper()}{key[1:]}"] = value
    ctx.metrics["foldChecksEnforced"] = int(enforce)
    ctx.metrics["foldCheckViolations"] = len(violations)


def _plain(value):
    """NumPy scalars in the fold_check report as JSON numbers."""
    return value.item() if hasattr(value, "item") else str(value)
