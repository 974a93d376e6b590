"""train-detector (seed J2): YOLOX-nano on the roi-dataset COCO set; `best_ckpt.pth` = EMA weights of the best AP.

Request (operator/pipeline/kinds/roi-detector-training.ts): input `roiDataset` (the roi-dataset
folder with `coco_format/`), parameters `training` (DetectorTraining; `pretrained` is a storage
path, null or `init: Random` for random initialisation), optional `checkpointEverySteps`,
`dataLoaderWorkers`, `deterministic`. `best_ckpt.pth` and `latest_ckpt.pth` are YOLOX checkpoints
({"model": EMA state_dict, "start_epoch", "best_ap", ...}) that export-onnx reads.
"""

import torch

from .. import params
from ..contract import StageFailure, write_json_atomic
from ..models.yolox_nano import build_yolox_nano, load_pretrained_skipping_mismatch
from ..runner import StageContext
from ..training.detector import DetectorRun, DetectorTrainer
from ..training.device import training_device
from . import stage


def detector_run(parameters: dict) -> DetectorRun:
    t = params.section(parameters, "training")
    w = "training"
    size = params.integer(t, "inputSize", where=w, minimum=32, maximum=2048)
    if size % 32:
        raise StageFailure("BadRequest", f"parameters.training.inputSize must be a multiple of 32, got {size}")
    run = DetectorRun(
        input_size=size,
        epochs=params.integer(t, "epochs", where=w, minimum=1),
        warmup_epochs=params.integer(t, "warmupEpochs", where=w, minimum=0),
        no_aug_epochs=params.integer(t, "noAugEpochs", where=w, minimum=0),
        batch_size=params.integer(t, "batchSize", where=w, minimum=1),
        learning_rate=params.number(t, "learningRate", where=w, minimum=0),
        warmup_learning_rate=params.number(t, "warmupLearningRate", where=w, minimum=0),
        min_learning_rate_ratio=params.number(t, "minLearningRateRatio", where=w, minimum=0, maximum=1),
        momentum=params.number(t, "momentum", where=w, minimum=0, maximum=1),
        weight_decay=params.number(t, "weightDecay", where=w, minimum=0),
        flip_probability=params.number(t, "horizontalFlipProbability", where=w, minimum=0, maximum=1),
        ema_decay=params.number(t, "emaDecay", where=w, minimum=0, maximum=1),
        seed=params.integer(t, "seed", where=w, minimum=0),
        workers=params.integer(parameters, "dataLoaderWorkers", minimum=0),
        checkpoint_every_steps=params.integer(parameters, "checkpointEverySteps", minimum=1),
        deterministic=params.boolean(parameters, "deterministic"),
    )
    if run.warmup_epochs + run.no_aug_epochs > run.epochs:
        raise StageFailure("BadRequest", "parameters.training: warmupEpochs + noAugEpochs exceed epochs")
    return run


@stage("train-detector")
def train_detector_stage(ctx: StageContext) -> None:
    run = detector_run(ctx.request.stage_parameters)
    coco = ctx.input_path("roiDataset") / "coco_format"
    for name in ("annotations/instances_train2017.json", "annotations/instances_val2017.json"):
        if not (coco / name).is_file():
            raise StageFailure("MissingArtifact", f"roi dataset has no {name}", str(coco / name))
    torch.manual_seed(run.seed)
    model = build_yolox_nano()
    training = params.section(ctx.request.stage_parameters, "training")
    init = params.text(training, "init", where="training", choices={"Coco", "Random"})
    # Random: YOLOX's own initialisation (a toy run without the COCO file); pretrained is not read.
    relative = training.get("pretrained") if init == "Coco" else None
    if relative:
        pretrained = ctx.storage_root / relative
        if not pretrained.is_file():
            raise StageFailure("MissingArtifact", f"pretrained detector not found: {pretrained}", str(pretrained))
        skipped = load_pretrained_skipping_mismatch(model, pretrained)
        ctx.metrics["pretrainedLayersSkipped"] = len(skipped)
    device = training_device(training, "train-detector")
    trainer = DetectorTrainer(run, coco, ctx.output_dir, model, device, ctx.request.digest)
    history = trainer.fit()
    trainer.finish()
    if trainer.resumed_from is not None:
        ctx.metrics["resumedAtEpoch"], ctx.metrics["resumedAtUpdate"] = trainer.resumed_from
    write_json_atomic(ctx.output_dir / "history.json", {"inputSize": run.input_size, "epochs": history})
    for name in ("best_ckpt.pth", "latest_ckpt.pth", "history.json"):
        ctx.add_artifact(name, ctx.output_dir / name)
    ctx.metrics["bestAp50_95"] = max(h["ap50_95"] for h in history)
