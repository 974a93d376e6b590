"""T4: the per-epoch LR table of docs/seed-pipeline.md#training-runs, soft-positive BCE and EMA values."""

import copy
import math

import pytest
import torch
from timm.scheduler import CosineLRScheduler
from timm.utils import ModelEmaV2

from mammoflow_jobs.training.loss import soft_positive_bce
from mammoflow_jobs.training.schedule import CosineSchedule

FOLDS_2_3 = CosineSchedule(lr=3e-3, min_lr=5e-5, warmup_lr=3e-5, epochs=30, warmup_epochs=4)
STAGE_1 = CosineSchedule(lr=1e-3, min_lr=1e-5, warmup_lr=1e-5, epochs=24, warmup_epochs=4)
STAGE_2 = CosineSchedule(lr=1e-3, min_lr=5e-5, warmup_lr=1e-3, epochs=16, warmup_epochs=1)

# docs/seed-pipeline.md#training-runs, printed with three significant digits.
SPEC_TABLE = [
    (
        FOLDS_2_3,
        {0: 3.00e-5, 1: 7.73e-4, 2: 1.52e-3, 3: 2.26e-3, 4: 2.87e-3, 10: 2.26e-3, 20: 7.88e-4, 29: 5.81e-5, 30: 5e-5},
    ),
    (STAGE_1, {0: 1e-5, 4: 9.34e-4, 12: 5.05e-4, 23: 1.42e-5, 24: 1e-5}),
    (STAGE_2, {0: 1e-3, 8: 5.25e-4, 15: 5.91e-5, 16: 5e-5}),
]


@pytest.mark.parametrize(("schedule", "table"), SPEC_TABLE)
def test_lr_table_matches_the_spec(schedule, table):
    for epoch, value in table.items():
        assert schedule.at(epoch) == pytest.approx(value, rel=5e-3), epoch
    assert len(schedule.table()) == schedule.epochs + 1


@pytest.mark.parametrize(("schedule", "table"), SPEC_TABLE)
def test_lr_table_equals_timm_cosine_scheduler_to_1e12(schedule, table):
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=schedule.lr)
    timm_schedule = CosineLRScheduler(
        optimizer,
        t_initial=schedule.epochs,
        lr_min=schedule.min_lr,
        warmup_t=schedule.warmup_epochs,
        warmup_lr_init=schedule.warmup_lr,
        cycle_limit=1,
        t_in_epochs=True,
    )
    for epoch in range(schedule.total_epochs):
        timm_schedule.step(epoch)
        assert abs(optimizer.param_groups[0]["lr"] - schedule.at(epoch)) <= 1e-12, epoch


def test_exact_lr_values_by_formula():
    assert abs(FOLDS_2_3.at(1) - (3e-5 + (3e-3 - 3e-5) / 4)) <= 1e-12
    expected = 5e-5 + 0.5 * (3e-3 - 5e-5) * (1 + math.cos(math.pi * 10 / 30))
    assert abs(FOLDS_2_3.at(10) - expected) <= 1e-12
    assert STAGE_2.at(0) == 1e-3 and STAGE_2.at(16) == 5e-5


def test_soft_positive_bce_values():
    logits = torch.tensor([[2.0], [-1.0], [0.5], [-3.0]])
    labels = torch.tensor([1, 0, 1, 0])
    smoothing = 0.1

    def bce(x, t):
        return -(t * math.log(1 / (1 + math.exp(-x))) + (1 - t) * math.log(1 - 1 / (1 + math.exp(-x))))

    expected = sum(bce(x, t) for x, t in [(2.0, 0.9), (-1.0, 0.0), (0.5, 0.9), (-3.0, 0.0)]) / 4
    assert abs(float(soft_positive_bce(logits, labels, smoothing)) - expected) <= 1e-6
    # Negatives stay at 0 whatever the smoothing: only positives are softened.
    assert float(soft_positive_bce(torch.tensor([[-3.0]]), torch.tensor([0]), 0.2)) == pytest.approx(bce(-3.0, 0.0))


def test_ema_after_k_steps_has_no_warmup():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    ema = ModelEmaV2(model, decay=0.9998)
    expected = {k: v.double().clone() for k, v in copy.deepcopy(model).state_dict().items()}
    for _ in range(5):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p))
        ema.update(model)
        for k, v in model.state_dict().items():
            expected[k] = 0.9998 * expected[k] + (1 - 0.9998) * v.double()
    for k, v in ema.module.state_dict().items():
        assert (v.double() - expected[k]).abs().max() <= 1e-6
