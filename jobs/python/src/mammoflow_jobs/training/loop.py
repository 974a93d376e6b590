"""The fold training run (seed `train_exp.py` with exp7): epochs, dense validation, checkpoints, resume."""

import logging
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from timm.optim import create_optimizer_v2
from timm.utils import ModelEmaV2

from .. import shutdown
from ..metrics.pfbeta import gbmean_best_pfbeta, pfbeta
from ..metrics.selection import epoch_name
from ..models.convnext import IMAGENET_MEAN, IMAGENET_STD, ClassifierSpec, create_classifier
from ..progress import ProgressReporter
from .augment import train_augmentation
from .data import CropDataset, FoldTables, normalise
from .loss import soft_positive_bce
from .resume import clear_state, load_state, restore_rng_states, rng_states, save_atomic, save_state
from .sampler import balance_sampler_epochs
from .schedule import CosineSchedule

log = logging.getLogger("mammoflow.train-fold")


@dataclass(frozen=True)
class FoldRun:
    """One training run as train-fold reads it from its request (no defaults here: the request's
    parameters arrive with the stage catalogue's, jobs/contract/catalogue/train-fold.ts)."""

    model: ClassifierSpec
    schedule: CosineSchedule
    smoothing: float
    batch_size: int
    validation_batch_size: int
    weight_decay: float
    momentum: float
    ema_decay: float
    mixed_precision: bool
    seed: int
    workers: int
    sampler_ratio: float
    sampler_epochs: int
    sampler_seed: int
    one_positive_mode: bool
    dense_from: int | None
    dense_to: int | None
    dense_bins: int
    # ~0.55 s per update on an A100 (README: ~2 days per fold): the default, 500 updates, is ≈ 5 min of
    # work at risk per pre-emption, for one ~0.6 GB state write (weights, EMA, optimizer).
    checkpoint_every_steps: int
    deterministic: bool
    augment: bool


@dataclass
class Progress:
    epoch: int = 0
    step: int = 0  # optimiser updates done inside `epoch`
    summary: list = field(default_factory=list)


def dense_interval(run: FoldRun, epoch: int, updates_per_epoch: int) -> int | None:
    """Updates between mid-epoch validations in a dense epoch (the seed's N // bins + 1), else None."""
    if run.dense_from is None or run.dense_to is None or not run.dense_from <= epoch <= run.dense_to:
        return None
    return updates_per_epoch // run.dense_bins + 1


def validation_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """The seed's validation probabilities of (N, 1) logits: the sigmoid in the logits' own dtype,
    outside autocast (fp16 logits under mixed precision, so the probabilities are fp16-rounded,
    which decides ties, the selected epochs and the threshold), NaN set to 0, kept as float32."""
    probabilities = logits.sigmoid()[:, 0].float()
    return probabilities.masked_fill(probabilities.isnan(), 0.0)


def validation_name(epoch: int, updates: int, updates_per_epoch: int) -> float:
    """The seed names a validation `epoch − 1 + updates/N` rounded to 2 decimals (end of epoch e → e)."""
    return round(epoch - 1 + updates / updates_per_epoch, 2)


class FoldTrainer:
    def __init__(
        self,
        run: FoldRun,
        tables: FoldTables,
        out: Path,
        device: torch.device,
        init: dict | None,
        pretrained,
        request_digest: str | None = None,
    ):
        self.run, self.tables, self.out, self.device = run, tables, out, device
        # The request the resume state must belong to (None: any, for callers without a request).
        self.request_digest = request_digest
        if run.deterministic:
            torch.use_deterministic_algorithms(True)
            torch.backends.cudnn.benchmark = False
        else:
            torch.backends.cudnn.benchmark = True
            torch.backends.cuda.matmul.allow_tf32 = True
        torch.manual_seed(run.seed)
        np.random.seed(run.seed)
        random.seed(run.seed)
        self.model = create_classifier(run.model, pretrained)
        if init is not None:
            self.model.load_state_dict(init, strict=True)
        self.model.to(device)
        self.ema = ModelEmaV2(self.model, decay=run.ema_decay)
        self.optimizer = create_optimizer_v2(
            self.model, "sgd", lr=run.schedule.at(0), weight_decay=run.weight_decay, momentum=run.momentum
        )
        self.amp = run.mixed_precision and device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.mean = torch.tensor([255 * m for m in IMAGENET_MEAN], device=device).view(1, 3, 1, 1)
        self.std = torch.tensor([255 * s for s in IMAGENET_STD], device=device).view(1, 3, 1, 1)
        augmentation = train_augmentation() if run.augment else None
        h, w = run.model.input_height, run.model.input_width
        self.train_set = CropDataset(tables.train, h, w, augmentation, run.seed)
        self.val_set = CropDataset(tables.val, h, w, None, run.seed)
        self.epoch_indices = balance_sampler_epochs(
            self.train_set.labels,
            run.batch_size,
            run.sampler_epochs,
            run.sampler_ratio,
            run.sampler_seed,
            run.one_positive_mode,
        )
        self.progress = Progress()
        self.resumed_from: tuple[int, int] | None = None

    # -- state ---------------------------------------------------------------------------------
    def save(self) -> None:
        save_state(
            self.out,
            {
                "progress": self.progress.__dict__,
                "model": self.model.state_dict(),
                "ema": self.ema.module.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "scaler": self.scaler.state_dict(),
                "rng": rng_states(),
                "requestDigest": self.request_digest,
            },
        )

    def try_resume(self) -> bool:
        state = load_state(self.out, self.request_digest)
        if state is None:
            self._clear_outputs()
            return False
        self.model.load_state_dict(state["model"])
        self.ema.module.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        restore_rng_states(state["rng"])
        self.progress = Progress(**state["progress"])
        self.resumed_from = (self.progress.epoch, self.progress.step)
        log.info("resuming at epoch %d, update %d", self.progress.epoch, self.progress.step)
        return True

    def _clear_outputs(self) -> None:
        # A fresh run writes every file again; what an earlier request left here (more epochs,
        # other predictions) would otherwise be reported as this run's checkpoints.
        for path in self.out.glob("checkpoint-*.pth.tar"):
            path.unlink()
        shutil.rmtree(self.out / "results", ignore_errors=True)
        (self.out / "summary.csv").unlink(missing_ok=True)

    # -- steps ---------------------------------------------------------------------------------
    def _batches(self, epoch: int, start_step: int):
        indices = self.epoch_indices[epoch]
        b = self.run.batch_size
        keys = [[(int(indices[s * b + j]), s * b + j) for j in range(b)] for s in range(start_step, len(indices) // b)]
        self.train_set.epoch = epoch
        return torch.utils.data.DataLoader(
            self.train_set,
            batch_sampler=keys,
            num_workers=self.run.workers,
            pin_memory=self.device.type == "cuda",
            generator=self._private_generator(),
        )

    def _private_generator(self) -> torch.Generator:
        # A DataLoader draws its workers' base seed from this generator; from the global one it
        # would shift the dropout/drop-path stream each time a loader starts (and a resumed run
        # starts one more than an uninterrupted run).
        return torch.Generator().manual_seed(self.run.seed)

    def _update(self, images: torch.Tensor, labels: torch.Tensor) -> float:
        images = normalise(images.to(self.device, non_blocking=True), self.mean, self.std)
        labels = labels.to(self.device)
        with torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.amp):
            loss = soft_positive_bce(self.model(images), labels, self.run.smoothing)
        self.optimizer.zero_grad()
        self.scaler.scale(loss).backward()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.ema.update(self.model)
        return float(loss.detach())

    @torch.no_grad()
    def validate(self, name: float) -> dict:
        model = self.ema.module.eval()
        loader = torch.utils.data.DataLoader(
            self.val_set,
            batch_size=self.run.validation_batch_size,
            num_workers=self.run.workers,
            generator=self._private_generator(),
        )
        probabilities = []
        for images, _ in loader:
            images = normalise(images.to(self.device), self.mean, self.std)
            with torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.amp):
                logits = model(images)
            probabilities.append(validation_probabilities(logits).cpu())
        frame = self.tables.val.drop(columns=["image_path"]).assign(
            preds=torch.cat(probabilities).numpy().astype(np.float64), targets=self.tables.val["cancer"].to_numpy()
        )
        results = self.out / "results"
        results.mkdir(parents=True, exist_ok=True)
        frame.to_csv(results / f"pred_{epoch_name(name)}.csv", index=False)
        search = gbmean_best_pfbeta(frame)
        row = {
            "epoch": name,
            "lr": self.optimizer.param_groups[0]["lr"],
            "pfbeta": float(pfbeta(frame["targets"].to_numpy(), frame["preds"].to_numpy())),
            "gbmean_best_pfbeta": search.best_pfbeta,
            "gbmean_best_thres": search.best_threshold,
        }
        checkpoint = {
            "epoch": name,
            "arch": self.run.model.architecture,
            "state_dict": self.model.state_dict(),
            "state_dict_ema": self.ema.module.state_dict(),
            "metric": search.best_pfbeta,
        }
        save_atomic(checkpoint, self.out / f"checkpoint-{epoch_name(name)}.pth.tar")
        self.progress.summary = [r for r in self.progress.summary if r["epoch"] != name] + [row]
        pd.DataFrame(self.progress.summary).to_csv(self.out / "summary.csv", index=False)
        return row

    def fit(self) -> Progress:
        run = self.run
        self.try_resume()
        epochs = run.schedule.total_epochs
        per_epoch = [len(self.epoch_indices[e]) // run.batch_size for e in range(epochs)]
        reporter = ProgressReporter("train-fold", "steps", sum(per_epoch))
        losses: list[float] = []
        summary = self.progress.summary
        pf1 = summary[-1]["gbmean_best_pfbeta"] if summary else None

        def report(epoch: int, done: int, force: bool = False) -> None:
            event = reporter.update(
                sum(per_epoch[:epoch]) + done,
                force=force,
                epoch=epoch + 1,
                epochs=epochs,
                step=done,
                steps=per_epoch[epoch],
                loss=sum(losses) / len(losses) if losses else None,
                pF1=pf1,
            )
            if event is not None:
                losses.clear()

        while self.progress.epoch < epochs:
            epoch = self.progress.epoch
            for group in self.optimizer.param_groups:
                group["lr"] = run.schedule.at(epoch)
            updates = len(self.epoch_indices[epoch]) // run.batch_size
            interval = dense_interval(run, epoch, updates)
            self.model.train()
            for images, labels in self._batches(epoch, self.progress.step):
                losses.append(self._update(images, labels))
                self.progress.step += 1
                done = self.progress.step
                validating = interval is not None and done % interval == 0
                if validating:
                    pf1 = self.validate(validation_name(epoch, done, updates))["gbmean_best_pfbeta"]
                    self.model.train()
                # The epoch's last step is reported once, after the epoch's validation (below).
                if validating or done < updates:
                    report(epoch, done, force=validating)
                # A SIGTERM (pod deleted or pre-empted) saves the state after this step and ends:
                # the replacement pod resumes here, not up to checkpoint_every_steps back.
                stopping = shutdown.stop_requested()
                if stopping or (done < updates and done % run.checkpoint_every_steps == 0):
                    self.save()
                if stopping:
                    log.info("stopping on SIGTERM at epoch %d, update %d; resume state saved", epoch, done)
                    shutdown.exit_stopped()
            pf1 = self.validate(float(epoch))["gbmean_best_pfbeta"]
            report(epoch, updates, force=True)
            self.progress.epoch, self.progress.step = epoch + 1, 0
            self.save()
        return self.progress

    def finish(self) -> None:
        clear_state(self.out)
