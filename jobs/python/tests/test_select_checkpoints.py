"""T7: select-checkpoints picks the seed's combination and threshold from the same pred_*.csv files."""

import itertools
import json

import numpy as np
import pandas as pd
from conftest import make_request
from test_metrics import seed_best_threshold

from mammoflow_jobs.runner import run_stage
from mammoflow_jobs.stages import STAGES

EPOCHS = {0: [3, 4, 4.5], 1: [7, 8]}


def write_fold(folder, fold: int, rng) -> dict:
    """pred_{epoch}.csv for a fold's validation patients, and a distinguishable checkpoint per epoch."""
    folder.mkdir(parents=True)
    (folder / "results").mkdir()
    patients = np.repeat(np.arange(40) + 100 * fold, 2)
    frame = pd.DataFrame(
        {
            "site_id": 1,
            "patient_id": patients,
            "laterality": np.tile(["L", "R"], 40),
            "cancer": (rng.random(80) < 0.2).astype(int),
        }
    )
    frame["targets"] = frame["cancer"]
    frames = {}
    for epoch in EPOCHS[fold]:
        noisy = frame.assign(preds=np.clip(frame.cancer * 0.35 + rng.random(80) * 0.7, 0, 1).round(3))
        name = str(epoch) if epoch != int(epoch) else str(int(epoch))
        noisy.to_csv(folder / "results" / f"pred_{name}.csv", index=False)
        (folder / f"checkpoint-{name}.pth.tar").write_bytes(f"fold {fold} epoch {name}".encode())
        frames[epoch] = noisy
    return frames


def test_selection_equals_brute_force_over_combinations(storage, write_request):
    rng = np.random.default_rng(11)
    frames = {fold: write_fold(storage / f"f{fold}", fold, rng) for fold in EPOCHS}
    candidates = [{"fold": f, "epochs": e} for f, e in EPOCHS.items()]
    request = make_request(
        "select-checkpoints",
        inputs={"fold0": "f0", "fold1": "f1"},
        parameters={"selection": {"candidates": candidates, "expectedOofRows": 160}},
        outputDir="sel",
    )
    assert run_stage(STAGES, "select-checkpoints", write_request(request), storage) == 0

    scored = []
    for combination in itertools.product(EPOCHS[0], EPOCHS[1]):
        pooled = pd.concat([frames[0][combination[0]], frames[1][combination[1]]])
        breasts = pooled.groupby(["patient_id", "laterality"])[["preds", "targets"]].mean()
        threshold, score = seed_best_threshold(breasts.targets.to_numpy(), breasts.preds.to_numpy())
        scored.append((score, combination, threshold))
    best_score = max(s for s, _, _ in scored)
    best = next(entry for entry in scored if entry[0] == best_score)  # first in product order

    summary = json.loads((storage / "sel/selection.json").read_text())
    assert summary["combination"] == {"0": best[1][0], "1": best[1][1]}
    assert abs(summary["oofGbmeanBestPfbeta"] - best[0]) <= 1e-12
    assert summary["threshold"] == best[2]
    assert summary["combinationsSearched"] == 6
    name0 = str(best[1][0]) if best[1][0] != int(best[1][0]) else str(int(best[1][0]))
    assert (storage / "sel/best_convnext_fold_0.pth.tar").read_bytes() == f"fold 0 epoch {name0}".encode()


def test_missing_epoch_and_wrong_row_count_are_permanent(storage, write_request):
    rng = np.random.default_rng(12)
    for fold in EPOCHS:
        write_fold(storage / f"f{fold}", fold, rng)
    missing = make_request(
        "select-checkpoints",
        inputs={"fold0": "f0", "fold1": "f1"},
        parameters={"selection": {"candidates": [{"fold": 0, "epochs": [5]}, {"fold": 1, "epochs": [7]}]}},
        outputDir="s1",
    )
    assert run_stage(STAGES, "select-checkpoints", write_request(missing), storage) == 2
    rows = make_request(
        "select-checkpoints",
        inputs={"fold0": "f0", "fold1": "f1"},
        parameters={
            "selection": {
                "candidates": [{"fold": 0, "epochs": [3]}, {"fold": 1, "epochs": [7]}],
                "expectedOofRows": 54706,
            }
        },
        outputDir="s2",
    )
    assert run_stage(STAGES, "select-checkpoints", write_request(rows), storage) == 2
    result = json.loads((storage / "s2/result.json").read_text())
    assert "expected 54706" in result["error"]["message"]


def write_competition_sized_fold(folder, patients: np.ndarray, rows: int, rng) -> None:
    """pred_1.csv with `rows` image rows over `patients` (each patient at least once)."""
    (folder / "results").mkdir(parents=True)
    ids = np.concatenate([patients, rng.choice(patients, rows - len(patients))])
    pd.DataFrame(
        {"patient_id": ids, "laterality": "L", "preds": rng.random(rows).round(3), "targets": rng.random(rows) < 0.02}
    ).astype({"targets": int}).to_csv(folder / "results" / "pred_1.csv", index=False)
    (folder / "checkpoint-1.pth.tar").write_bytes(b"checkpoint")


def test_oof_row_check_is_on_by_default_for_the_full_competition_data(storage, write_request):
    # All 11,913 competition patients in the validation folds but one image fewer than the seed's
    # 54,706: the seed's assert fails, and so must the default check; 0 turns it off explicitly.
    rng = np.random.default_rng(13)
    patients = np.arange(11_913)
    write_competition_sized_fold(storage / "c0", patients[:5_957], 27_353, rng)
    write_competition_sized_fold(storage / "c1", patients[5_957:], 27_352, rng)

    def request(out: str, **selection):
        return make_request(
            "select-checkpoints",
            inputs={"fold0": "c0", "fold1": "c1"},
            parameters={
                "selection": {"candidates": [{"fold": 0, "epochs": [1]}, {"fold": 1, "epochs": [1]}]} | selection
            },
            outputDir=out,
        )

    assert run_stage(STAGES, "select-checkpoints", write_request(request("d")), storage) == 2
    error = json.loads((storage / "d/result.json").read_text())["error"]
    assert error["reason"] == "BadInput"
    assert error["message"] == "pooled predictions of (1.0, 1.0) have 54705 rows, expected 54706"

    assert run_stage(STAGES, "select-checkpoints", write_request(request("off", expectedOofRows=0)), storage) == 0
    assert json.loads((storage / "off/result.json").read_text())["metrics"]["oofRowsChecked"] == 0


def test_oof_row_check_is_off_by_default_on_other_data(storage, write_request):
    rng = np.random.default_rng(14)
    for fold in EPOCHS:
        write_fold(storage / f"f{fold}", fold, rng)
    request = make_request(
        "select-checkpoints",
        inputs={"fold0": "f0", "fold1": "f1"},
        parameters={"selection": {"candidates": [{"fold": 0, "epochs": [3]}, {"fold": 1, "epochs": [7]}]}},
        outputDir="other",
    )
    assert run_stage(STAGES, "select-checkpoints", write_request(request), storage) == 0
    assert json.loads((storage / "other/result.json").read_text())["metrics"]["oofRowsChecked"] == 0
