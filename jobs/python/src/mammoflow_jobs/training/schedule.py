"""Per-epoch learning rate of timm's CosineLRScheduler as the seed configures it (docs/seed-pipeline.md#optimisation).

t_initial = epochs, one cycle, linear warm-up not excluded from the cosine clock
(warmup_prefix False), and one cooldown epoch at min_lr: epochs + 1 epochs in all.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class CosineSchedule:
    lr: float
    min_lr: float
    warmup_lr: float
    epochs: int
    warmup_epochs: int

    @property
    def total_epochs(self) -> int:
        return self.epochs + 1

    def at(self, epoch: int) -> float:
        if epoch < self.warmup_epochs:
            return self.warmup_lr + epoch * (self.lr - self.warmup_lr) / self.warmup_epochs
        if epoch >= self.epochs:
            return self.min_lr
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * epoch / self.epochs))

    def table(self) -> list[float]:
        return [self.at(e) for e in range(self.total_epochs)]
