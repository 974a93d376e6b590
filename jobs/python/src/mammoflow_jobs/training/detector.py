"""YOLOX-nano breast-ROI training (docs/seed-pipeline.md#detector-training), resumable, from `yolox`'s parts.

The seed trains with YOLOX's Trainer; here the same parts are driven by a small loop that can
stop anywhere and continue: YOLOX's COCODataset + TrainTransform (flip only), its optimizer
groups and `yoloxwarmcos` schedule (via yolox.exp.Exp), ModelEMA (decay ramp over 2000
updates), the seed's batch stream (`stream_batches`: full batches from one endless shuffle), the
L1 loss in the last `no_aug_epochs + 1` epochs (`uses_l1`), and COCO AP50:95 (pycocotools) on the EMA
model every epoch. YOLOX's COCOEvaluator is CUDA-only, so the evaluation is ours.
"""

import contextlib
import io
import logging
import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from pycocotools.cocoeval import COCOeval
from yolox.data import COCODataset, TrainTransform, ValTransform
from yolox.exp import Exp
from yolox.utils import ModelEMA, postprocess

from ..progress import ProgressReporter
from .resume import clear_state, load_state, restore_rng_states, rng_states, save_atomic, save_state

log = logging.getLogger("mammoflow.train-detector")

# YOLOX evaluation settings of the seed's experiment.
TEST_CONFIDENCE = 0.01
NMS_THRESHOLD = 0.9
MAX_LABELS = 50


@dataclass(frozen=True)
class DetectorRun:
    """A detector training as train-detector reads it from its request (no defaults here: the
    request's parameters arrive with the stage catalogue's, jobs/contract/catalogue/train-detector.ts)."""

    input_size: int
    epochs: int
    warmup_epochs: int
    no_aug_epochs: int
    batch_size: int
    learning_rate: float  # at batch 64; scaled linearly with batch_size
    warmup_learning_rate: float
    min_learning_rate_ratio: float
    momentum: float
    weight_decay: float
    flip_probability: float
    ema_decay: float
    seed: int
    workers: int
    checkpoint_every_steps: int
    deterministic: bool


def yolox_experiment(run: DetectorRun, model: torch.nn.Module) -> Exp:
    exp = Exp()
    exp.num_classes = 1
    exp.depth, exp.width = 0.33, 0.25
    exp.input_size = exp.test_size = (run.input_size, run.input_size)
    exp.max_epoch, exp.warmup_epochs, exp.no_aug_epochs = run.epochs, run.warmup_epochs, run.no_aug_epochs
    exp.warmup_lr, exp.min_lr_ratio = run.warmup_learning_rate, run.min_learning_rate_ratio
    exp.basic_lr_per_img = run.learning_rate / 64.0
    exp.scheduler = "yoloxwarmcos"
    exp.momentum, exp.weight_decay = run.momentum, run.weight_decay
    exp.model = model
    return exp


def uses_l1(epoch: int, epochs: int, no_aug_epochs: int) -> bool:
    """YOLOX's Trainer turns the L1 box loss on in `before_epoch` when `epoch + 1 == max_epoch −
    no_aug_epochs` (0-based epoch) and never off: the last `no_aug_epochs + 1` epochs (6 of 400)."""
    return epoch + 1 >= epochs - no_aug_epochs


def stream_batches(size: int, batch_size: int, seed: int, first: int, count: int) -> list[list[int]]:
    """Batches `first` … `first + count − 1` of the seed's YOLOX sampler: one endless stream of
    `torch.randperm(size)` from a single generator seeded `seed` (InfiniteSampler), cut into full
    batches (YoloBatchSampler), so an epoch's last batch continues into the next permutation
    instead of being short. Computed from the batch number alone, so a resumed run reads the same."""
    start, end = first * batch_size, (first + count) * batch_size
    generator = torch.Generator().manual_seed(seed)
    stream = []
    for permutation in range((end - 1) // size + 1 if count else 0):
        indices = torch.randperm(size, generator=generator)
        if (permutation + 1) * size > start:
            stream.append(indices)
    if not stream:
        return []
    offset = (start // size) * size
    flat = torch.cat(stream)[start - offset : end - offset].tolist()
    return [flat[i : i + batch_size] for i in range(0, len(flat), batch_size)]


class SeededItems(torch.utils.data.Dataset):
    """Items keyed (index, epoch, position); the flip draw is seeded from them (resume-safe)."""

    def __init__(self, dataset: COCODataset, seed: int):
        self.dataset, self.seed = dataset, seed

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key):
        index, epoch, position = key
        random.seed(int(np.random.SeedSequence([self.seed, epoch, position]).generate_state(1)[0]))
        image, target = self.dataset[index][:2]
        return torch.from_numpy(image), torch.from_numpy(target)


def coco_ap(model: torch.nn.Module, dataset: COCODataset, device: torch.device, batch_size: int = 8) -> float:
    """COCO AP50:95 of `model` (decoded outputs, conf 0.01, NMS 0.9) on a YOLOX COCODataset."""
    model.eval()
    head = model.head
    decode = head.decode_in_inference
    head.decode_in_inference = True
    detections = []
    with torch.no_grad():
        for start in range(0, len(dataset), batch_size):
            items = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
            images = torch.from_numpy(np.stack([item[0] for item in items])).float().to(device)
            outputs = postprocess(model(images), 1, TEST_CONFIDENCE, NMS_THRESHOLD)
            for (_, _, info, image_id), output in zip(items, outputs, strict=True):
                if output is None:
                    continue
                height, width = info
                scale = min(dataset.img_size[0] / height, dataset.img_size[1] / width)
                boxes = output[:, :4].cpu().numpy() / scale
                scores = (output[:, 4] * output[:, 5]).cpu().numpy()
                for box, score in zip(boxes, scores, strict=True):
                    x0, y0, x1, y1 = (float(v) for v in box)
                    detections.append(
                        {
                            "image_id": int(image_id[0]),
                            "category_id": 1,
                            "bbox": [x0, y0, x1 - x0, y1 - y0],
                            "score": float(score),
                        }
                    )
    head.decode_in_inference = decode
    if not detections:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation = COCOeval(dataset.coco, dataset.coco.loadRes(detections), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(max(evaluation.stats[0], 0.0))


class DetectorTrainer:
    def __init__(
        self,
        run: DetectorRun,
        coco_dir: Path,
        out: Path,
        model: torch.nn.Module,
        device: torch.device,
        request_digest: str | None = None,
    ):
        self.run, self.out, self.device = run, out, device
        # The request the resume state must belong to (None: any, for callers without a request).
        self.request_digest = request_digest
        if run.deterministic:
            torch.use_deterministic_algorithms(True)
        size = (run.input_size, run.input_size)
        self.train_set = COCODataset(
            str(coco_dir),
            "instances_train2017.json",
            "train2017",
            size,
            preproc=TrainTransform(max_labels=MAX_LABELS, flip_prob=run.flip_probability, hsv_prob=0.0),
        )
        self.val_set = COCODataset(
            str(coco_dir), "instances_val2017.json", "val2017", size, preproc=ValTransform(legacy=False)
        )
        self.items = SeededItems(self.train_set, run.seed)
        self.model = model.to(device)
        exp = yolox_experiment(run, self.model)
        self.optimizer = exp.get_optimizer(run.batch_size)
        self.iterations = math.ceil(len(self.train_set) / run.batch_size)
        self.scheduler = exp.get_lr_scheduler(exp.basic_lr_per_img * run.batch_size, self.iterations)
        self.ema = ModelEMA(self.model, run.ema_decay)
        self.epoch, self.step, self.best_ap, self.history = 0, 0, -1.0, []
        self.resumed_from: tuple[int, int] | None = None

    def save(self) -> None:
        save_state(
            self.out,
            {
                "progress": {"epoch": self.epoch, "step": self.step, "best_ap": self.best_ap, "history": self.history},
                "model": self.model.state_dict(),
                "ema": self.ema.ema.state_dict(),
                "ema_updates": self.ema.updates,
                "optimizer": self.optimizer.state_dict(),
                "rng": rng_states(),
                "requestDigest": self.request_digest,
            },
        )

    def try_resume(self) -> None:
        state = load_state(self.out, self.request_digest)
        if state is None:
            return
        self.model.load_state_dict(state["model"])
        self.ema.ema.load_state_dict(state["ema"])
        self.ema.updates = state["ema_updates"]
        self.optimizer.load_state_dict(state["optimizer"])
        restore_rng_states(state["rng"])
        progress = state["progress"]
        self.epoch, self.step, self.best_ap, self.history = (
            progress["epoch"],
            progress["step"],
            progress["best_ap"],
            progress["history"],
        )
        self.resumed_from = (self.epoch, self.step)
        log.info("resuming at epoch %d, iteration %d", self.epoch, self.step)

    def _loader(self, epoch: int, start: int):
        b = self.run.batch_size
        batches = stream_batches(
            len(self.train_set), b, self.run.seed, epoch * self.iterations + start, self.iterations - start
        )
        keys = [[(i, epoch, (start + s) * b + j) for j, i in enumerate(batch)] for s, batch in enumerate(batches)]
        return torch.utils.data.DataLoader(
            self.items,
            batch_sampler=keys,
            num_workers=self.run.workers,
            generator=torch.Generator().manual_seed(self.run.seed),
        )

    def _checkpoint(self, name: str, ap: float) -> Path:
        path = self.out / name
        save_atomic(
            {
                "start_epoch": self.epoch + 1,
                "model": self.ema.ema.state_dict(),
                "optimizer": self.optimizer.state_dict(),
                "best_ap": max(self.best_ap, ap),
                "curr_ap": ap,
            },
            path,
        )
        return path

    def fit(self) -> list[dict]:
        self.try_resume()
        run = self.run
        reporter = ProgressReporter("train-detector", "steps", run.epochs * self.iterations)
        losses: list[float] = []

        def report(force: bool = False, ap: float | None = None) -> None:
            event = reporter.update(
                self.epoch * self.iterations + self.step,
                force=force,
                epoch=self.epoch + 1,
                epochs=run.epochs,
                step=self.step,
                steps=self.iterations,
                loss=sum(losses) / len(losses) if losses else None,
                ap=ap if ap is not None else (self.best_ap if self.best_ap >= 0 else None),
            )
            if event is not None:
                losses.clear()

        while self.epoch < run.epochs:
            self.model.train()
            # As the seed's Trainer: the L1 box loss from the epoch before the last no_aug_epochs.
            self.model.head.use_l1 = uses_l1(self.epoch, run.epochs, run.no_aug_epochs)
            last_loss = float("nan")
            for images, targets in self._loader(self.epoch, self.step):
                images, targets = images.float().to(self.device), targets.float().to(self.device)
                loss = self.model(images, targets)["total_loss"]
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.ema.update(self.model)
                last_loss = float(loss.detach())
                losses.append(last_loss)
                self.step += 1
                lr = self.scheduler.update_lr(self.epoch * self.iterations + self.step)
                for group in self.optimizer.param_groups:
                    group["lr"] = lr
                if self.step < self.iterations and self.step % run.checkpoint_every_steps == 0:
                    self.save()
                report()
            ap = coco_ap(self.ema.ema, self.val_set, self.device)
            report(force=True, ap=ap)
            self.history.append({"epoch": self.epoch, "ap50_95": ap, "loss": last_loss})
            self._checkpoint("latest_ckpt.pth", ap)
            if ap > self.best_ap:
                self._checkpoint("best_ckpt.pth", ap)
                self.best_ap = ap
            self.epoch, self.step = self.epoch + 1, 0
            self.save()
        return self.history

    def finish(self) -> None:
        clear_state(self.out)
