"""select-checkpoints (seed J6): the best epoch combination over the folds' validation predictions.

Inputs `fold0` … `foldN`: train-fold folders (`results/pred_{epoch}.csv`, `checkpoint-{epoch}.pth.tar`).
Writes `best_convnext_fold_{k}.pth.tar` and `selection.json` (combination, OOF pF1, threshold).

The seed asserts 54,706 pooled out-of-fold rows (every image of the competition's train.csv).
`selection.expectedOofRows` sets the expected count (0: no check); when omitted, the check is the
seed's whenever the folds' validation predictions hold all 11,913 competition patients, so a run
on the full data that lost an image (a tolerated bad row) stops here instead of selecting on
shifted folds, and a run on other data is not checked.
"""

import shutil

import pandas as pd

from .. import params
from ..contract import StageFailure, write_json_atomic
from ..data.cv_split import COMPETITION_IMAGES, COMPETITION_PATIENTS
from ..metrics.selection import epoch_name, rank_combinations
from ..runner import StageContext
from . import stage

PREDICTION_COLUMNS = ("patient_id", "laterality", "preds", "targets")


def parse_candidates(selection: dict) -> list[tuple[int, list[float]]]:
    candidates = selection["candidates"]
    if not isinstance(candidates, list) or not candidates:
        raise StageFailure("BadRequest", "parameters.selection.candidates must be a non-empty list")
    parsed = []
    for i, entry in enumerate(candidates):
        where = f"selection.candidates.{i}"
        fold = params.integer(entry, "fold", where=where, minimum=0)
        epochs = entry.get("epochs")
        if not isinstance(epochs, list) or not epochs:
            raise StageFailure("BadRequest", f"parameters.{where}.epochs must be a non-empty list")
        parsed.append((fold, [params.number({"e": e}, "e", where=f"{where}.epochs", minimum=0) for e in epochs]))
    if len({fold for fold, _ in parsed}) != len(parsed):
        raise StageFailure("BadRequest", "parameters.selection.candidates names a fold twice")
    return parsed


def expected_oof_rows(selection: dict, first_frames: list[pd.DataFrame]) -> int | None:
    """The pooled row count to assert (None: none); `first_frames` are the folds' first candidates."""
    if selection.get("expectedOofRows") is not None:
        return params.integer(selection, "expectedOofRows", where="selection", minimum=0) or None
    patients = pd.concat(first_frames)["patient_id"].nunique()
    return COMPETITION_IMAGES if patients == COMPETITION_PATIENTS else None


@stage("select-checkpoints")
def select_checkpoints_stage(ctx: StageContext) -> None:
    selection = params.section(ctx.request.stage_parameters, "selection")
    candidates = parse_candidates(selection)
    step = params.number(selection, "thresholdStep", where="selection", minimum=1e-6, maximum=0.5)
    folders = {fold: ctx.input_path(f"fold{fold}") for fold, _ in candidates}

    def predictions(index: int, epoch: float) -> pd.DataFrame:
        fold = candidates[index][0]
        path = folders[fold] / "results" / f"pred_{epoch_name(epoch)}.csv"
        if not path.is_file():
            raise StageFailure(
                "MissingArtifact", f"fold {fold} has no predictions for epoch {epoch_name(epoch)}", str(path)
            )
        frame = pd.read_csv(path)
        missing = [c for c in PREDICTION_COLUMNS if c not in frame.columns]
        if missing:
            raise StageFailure("BadInput", f"{path} lacks column(s) {', '.join(missing)}", str(path))
        return frame

    expected_rows = expected_oof_rows(
        selection, [predictions(i, epochs[0]) for i, (_, epochs) in enumerate(candidates)]
    )
    ctx.metrics["oofRowsChecked"] = expected_rows or 0
    try:
        ranked = rank_combinations([epochs for _, epochs in candidates], predictions, step, expected_rows)
    except ValueError as error:
        raise StageFailure("BadInput", str(error)) from error
    best = ranked[0]
    chosen = {}
    for (fold, _), epoch in zip(candidates, best.combination, strict=True):
        source = folders[fold] / f"checkpoint-{epoch_name(epoch)}.pth.tar"
        if not source.is_file():
            raise StageFailure("MissingArtifact", f"fold {fold} has no checkpoint for epoch {epoch}", str(source))
        target = ctx.output_dir / f"best_convnext_fold_{fold}.pth.tar"
        shutil.copyfile(source, target)
        ctx.add_artifact(f"fold{fold}", target)
        chosen[str(fold)] = epoch
    summary = {
        "combination": chosen,
        "oofGbmeanBestPfbeta": best.pfbeta,
        "threshold": best.threshold,
        "combinationsSearched": len(ranked),
        "top": [{"epochs": list(c.combination), "pfbeta": c.pfbeta, "threshold": c.threshold} for c in ranked[:10]],
    }
    write_json_atomic(ctx.output_dir / "selection.json", summary)
    ctx.add_artifact("selection", ctx.output_dir / "selection.json")
    ctx.metrics.update({"oofPfbeta": best.pfbeta, "threshold": best.threshold})
