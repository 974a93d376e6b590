"""cv-split (seed J4): `cv/v2/{train,val}_fold_{i}.csv` from a dataset's cleaned_label.csv.

Input `dataset`: the prepare-dataset folder, which holds `{dataset}/cleaned_label.csv`
(the seed's `classification/{dataset}/cleaned_label.csv`), or that CSV file itself.
"""

import pandas as pd

from .. import params
from ..contract import StageFailure
from ..data.cv_split import fold_frames
from ..runner import StageContext
from . import stage

REQUIRED_COLUMNS = ("patient_id", "image_id", "cancer")


@stage("cv-split")
def cv_split_stage(ctx: StageContext) -> None:
    settings = params.section(ctx.request.parameters, "cvSplit")
    folds = params.integer(settings, "folds", 4, where="cvSplit", minimum=2, maximum=20)
    seed = params.integer(settings, "seed", 67, where="cvSplit", minimum=0)
    dataset = params.text(settings, "dataset", "rsna-breast-cancer-detection", where="cvSplit")

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

    out = ctx.output_dir / "cv" / "v2"
    out.mkdir(parents=True, exist_ok=True)
    for i, (train, val) in enumerate(fold_frames(labels, folds, seed)):
        # The seed's fold_check: a patient is in one fold's validation set only.
        assert not set(train["patient_id"]) & set(val["patient_id"]), "patient in train and val"
        for name, frame in ((f"train_fold_{i}", train), (f"val_fold_{i}", val)):
            path = out / f"{name}.csv"
            frame.to_csv(path, index=False)
            ctx.add_artifact(name, path)
        ctx.metrics[f"fold{i}ValRows"] = len(val)
        ctx.metrics[f"fold{i}ValPositiveRate"] = float(val["cancer"].mean())
