"""train-fold (seed J5): one training run of one fold, resumable (docs/seed-pipeline.md#training).

Request (operator/pipeline/kinds/classifier-fold.ts): parameters `fold`, `numFolds`, `model`
(ClassifierModel), `training` (ClassifierTraining, with `checkpointEverySteps` and
`deterministic`), `stage` (TrainingStage); inputs `crops` (prepare-dataset), `split`
(cv-split) and, for `stage.init = PreviousStage`, `previous` (the previous run's folder, whose
last end-of-epoch checkpoint's EMA weights start this run).
Writes `checkpoint-{epoch}.pth.tar` (state_dict, state_dict_ema), `results/pred_{epoch}.csv`,
`summary.csv`; `resume/state.pt` while running.
"""

import re
from pathlib import Path

from .. import params, shutdown
from ..contract import StageFailure
from ..models.checkpoints import load_checkpoint_file
from ..models.convnext import fold_weights
from ..runner import StageContext
from ..training.data import fold_tables
from ..training.device import training_device
from ..training.loop import FoldRun, FoldTrainer
from ..training.sampler import sampler_problem
from ..training.schedule import CosineSchedule
from . import stage
from .export_onnx import classifier_spec

END_OF_EPOCH_CHECKPOINT = re.compile(r"checkpoint-(\d+)\.pth\.tar")


def last_epoch_checkpoint(folder: Path) -> Path:
    epochs = {int(m.group(1)): p for p in folder.iterdir() if (m := END_OF_EPOCH_CHECKPOINT.fullmatch(p.name))}
    if not epochs:
        raise StageFailure("MissingArtifact", f"input 'previous' ({folder}) has no checkpoint-<epoch>.pth.tar")
    return epochs[max(epochs)]


def _optional_epoch(run_stage: dict, key: str) -> int | None:
    if run_stage.get(key) is None:
        return None
    return params.integer(run_stage, key, where="stage", minimum=0)


def fold_run(parameters: dict) -> FoldRun:
    model = params.section(parameters, "model")
    training = params.section(parameters, "training")
    sampler = params.section(training, "sampler")
    run_stage = params.section(parameters, "stage")
    w = "stage"
    epochs = params.integer(run_stage, "epochs", where=w, minimum=1)
    warmup = params.integer(run_stage, "warmupEpochs", where=w, minimum=0)
    if warmup >= epochs:
        raise StageFailure("BadRequest", "parameters.stage.warmupEpochs must be smaller than epochs")
    schedule = CosineSchedule(
        lr=params.number(run_stage, "lr", where=w, minimum=0),
        min_lr=params.number(run_stage, "minLr", where=w, minimum=0),
        warmup_lr=params.number(run_stage, "warmupLr", where=w, minimum=0),
        epochs=epochs,
        warmup_epochs=warmup,
    )
    sampler_epochs = params.integer(sampler, "precomputedEpochs", where="training.sampler", minimum=1)
    if sampler_epochs < schedule.total_epochs:
        raise StageFailure(
            "BadRequest",
            f"parameters.training.sampler.precomputedEpochs ({sampler_epochs}) is smaller than the "
            f"run's {schedule.total_epochs} epochs (stage.epochs + 1 cooldown)",
        )
    t = "training"
    return FoldRun(
        model=classifier_spec(model),
        schedule=schedule,
        smoothing=params.number(run_stage, "smoothing", where=w, minimum=0, maximum=0.999),
        batch_size=params.integer(training, "batchSize", where=t, minimum=1),
        validation_batch_size=params.integer(training, "validationBatchSize", where=t, minimum=1),
        weight_decay=params.number(training, "weightDecay", where=t, minimum=0),
        momentum=params.number(training, "momentum", where=t, minimum=0, maximum=1),
        ema_decay=params.number(training, "emaDecay", where=t, minimum=0, maximum=1),
        mixed_precision=params.boolean(training, "mixedPrecision", where=t),
        seed=params.integer(training, "seed", where=t, minimum=0),
        workers=params.integer(training, "dataLoaderWorkers", where=t, minimum=0),
        sampler_ratio=params.number(sampler, "positiveRatio", where="training.sampler", minimum=0),
        sampler_epochs=sampler_epochs,
        sampler_seed=params.integer(sampler, "seed", where="training.sampler", minimum=0),
        one_positive_mode=params.boolean(sampler, "onePositiveMode", where="training.sampler"),
        dense_from=_optional_epoch(run_stage, "denseValidationFrom"),
        dense_to=_optional_epoch(run_stage, "denseValidationTo"),
        dense_bins=params.integer(training, "denseCheckpointBins", where=t, minimum=1),
        checkpoint_every_steps=params.integer(training, "checkpointEverySteps", where=t, minimum=1),
        deterministic=params.boolean(training, "deterministic", where=t),
        augment=params.boolean(parameters, "augment"),
    )


def check_fold_balance(labels, run: FoldRun, fold: int, num_folds: int, train_csv: Path) -> None:
    """Refuse, before any model is built, a training part the class-balancing sampler cannot use."""
    positives, negatives = int((labels > 0).sum()), int((labels == 0).sum())
    problem = sampler_problem(positives, negatives, run.batch_size, run.sampler_ratio, run.one_positive_mode)
    if problem is None:
        return
    if (int(run.sampler_ratio * negatives) + negatives) // run.batch_size == 0:
        advice = "lower training.batchSize, use fewer folds (cvSplit.folds) or add data"
    elif positives == 0:
        advice = (
            "every cancer case is in this fold's validation part: use fewer folds (cvSplit.folds), "
            "more RSNA cancer patients, or external datasets with cancer cases (training.externalDatasets)"
        )
    else:
        advice = "set training.sampler.onePositiveMode to true or raise training.sampler.positiveRatio"
    raise StageFailure(
        "BadInput",
        f"fold {fold} of {num_folds}, training part ({train_csv.name} and the external datasets): {problem}; {advice}",
        str(train_csv),
    )


@stage("train-fold")
def train_fold_stage(ctx: StageContext) -> None:
    parameters = ctx.request.stage_parameters
    run = fold_run(parameters)
    fold = params.integer(parameters, "fold", minimum=0)
    num_folds = params.integer(parameters, "numFolds", minimum=2)
    if fold >= num_folds:
        raise StageFailure("BadRequest", f"parameters.fold ({fold}) must be smaller than numFolds ({num_folds})")
    training = params.section(parameters, "training")
    external = training["externalDatasets"]
    if not isinstance(external, list) or not all(isinstance(n, str) for n in external):
        raise StageFailure("BadRequest", "parameters.training.externalDatasets must be a list of dataset names")
    tables = fold_tables(ctx.input_path("crops"), ctx.input_path("split"), fold, external)
    train_csv = ctx.input_path("split") / "cv" / "v2" / f"train_fold_{fold}.csv"
    check_fold_balance(tables.train["cancer"].to_numpy(), run, fold, num_folds, train_csv)

    init_kind = params.text(params.section(parameters, "stage"), "init", where="stage")
    init, pretrained = None, None
    if init_kind == "PreviousStage":
        source = last_epoch_checkpoint(ctx.input_path("previous"))
        init = fold_weights(load_checkpoint_file(source), source)
    elif init_kind == "Random":
        pass  # timm's own initialisation: a trial run without the pretrained file
    elif init_kind != "ImageNet":
        raise StageFailure("BadRequest", f"parameters.stage.init: unknown value {init_kind!r}")
    else:
        relative = params.section(parameters, "model").get("pretrained")
        if relative:
            pretrained = ctx.storage_root / relative
            if not pretrained.is_file():
                raise StageFailure("MissingArtifact", f"pretrained weights not found: {pretrained}", str(pretrained))

    device = training_device(training, "train-fold")
    trainer = FoldTrainer(run, tables, ctx.output_dir, device, init, pretrained, ctx.request.digest)
    shutdown.cooperate()  # fit() saves and ends at the next step on SIGTERM
    progress = trainer.fit()
    trainer.finish()
    if trainer.resumed_from is not None:
        ctx.metrics["resumedAtEpoch"], ctx.metrics["resumedAtUpdate"] = trainer.resumed_from

    for path in sorted(ctx.output_dir.glob("checkpoint-*.pth.tar")):
        ctx.add_artifact(path.name, path)
    ctx.add_artifact("summary", ctx.output_dir / "summary.csv")
    ctx.add_artifact("results", ctx.output_dir / "results")
    best = max(progress.summary, key=lambda r: r["gbmean_best_pfbeta"])
    ctx.metrics.update(
        {
            "bestEpoch": best["epoch"],
            "bestGbmeanPfbeta": best["gbmean_best_pfbeta"],
            "epochs": run.schedule.total_epochs,
        }
    )
