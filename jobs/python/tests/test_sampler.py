"""T3: BalanceSamplerV2 index lists equal the spec's algorithm on NumPy's global legacy stream."""

import numpy as np
import pytest
from conftest import time_limit

from mammoflow_jobs.training.sampler import UnbalanceableLabels, balance_sampler_epochs, sampler_problem


def reference_epochs(labels, batch, epochs, ratio, seed):
    """docs/seed-pipeline.md#sampler with global `np.random` seeding, as the seed runs it."""
    np.random.seed(seed)
    pos, neg = np.where(labels > 0)[0], np.where(labels == 0)[0]
    out = []
    for _ in range(epochs):
        n_pos = int(ratio * len(neg))
        iters = (n_pos + len(neg)) // batch
        n_pos = iters * batch - len(neg)
        k = n_pos // iters
        if k < 1:
            k, n_pos = 1, iters
        pool = []
        while sum(len(p) for p in pool) < n_pos:
            p = pos.copy()
            np.random.shuffle(p)
            pool.append(p)
        pool = np.concatenate(pool)
        batches = [list(pool[i * k : (i + 1) * k]) for i in range(iters)]
        rest = pool[iters * k : n_pos]
        for i, j in enumerate(np.random.choice(np.arange(iters), len(rest), replace=False)):
            batches[j].append(rest[i])
        shuffled = neg.copy()
        np.random.shuffle(shuffled)
        cursor = 0
        for b in batches:
            take = batch - len(b)
            b.extend(shuffled[cursor : cursor + take])
            cursor += take
        out.append(np.array(batches).reshape(-1))
    return out


@pytest.mark.parametrize(("positives", "ratio"), [(0.07, 0.1429), (0.45, 0.8), (0.3, 0.35)])
def test_sequences_equal_the_reference_for_seed_42(positives, ratio):
    rng = np.random.default_rng(5)
    labels = (rng.random(700) < positives).astype(int)
    ours = balance_sampler_epochs(labels, batch_size=8, epochs=6, ratio=ratio, seed=42)
    expected = reference_epochs(labels, 8, 6, ratio, 42)
    assert len(ours) == 6
    for a, b in zip(ours, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(ours[0], ours[1])  # each epoch draws anew


def test_one_positive_mode_batches_and_every_negative_once():
    labels = np.array([1] * 30 + [0] * 400)
    np.random.default_rng(0).shuffle(labels)
    epoch = balance_sampler_epochs(labels, batch_size=8, epochs=1, ratio=0.1429, seed=42)[0]
    # int(0.1429·400) = 57; iters = (57 + 400) // 8 = 57; 57·8 − 400 = 56 positives → < 1 per batch → 1 each.
    assert len(epoch) == 57 * 8
    batches = epoch.reshape(-1, 8)
    assert (labels[batches[:, 0]] == 1).all() and (labels[batches[:, 1:]] == 0).all()
    negatives = batches[:, 1:].reshape(-1)
    assert len(set(negatives.tolist())) == len(negatives) == 399  # 57·7 = 399 of the 400 negatives
    # The seed's RNG stream pins the first batch.
    np.testing.assert_array_equal(batches[0], reference_epochs(labels, 8, 1, 0.1429, 42)[0][:8])


def test_a_different_seed_gives_different_lists():
    labels = (np.arange(200) % 9 == 0).astype(int)
    a = balance_sampler_epochs(labels, 8, 1, 0.1429, 42)[0]
    b = balance_sampler_epochs(labels, 8, 1, 0.1429, 43)[0]
    assert not np.array_equal(a, b)


@pytest.fixture
def within_two_seconds():
    """The old sampler looped forever on these inputs (2.4 GB in 10 s): fail fast instead of hanging."""
    with time_limit(2, "the sampler"):
        yield


@pytest.mark.parametrize("one_positive_mode", [True, False])
def test_no_positive_image_is_refused_instead_of_looping_forever(within_two_seconds, one_positive_mode):
    labels = np.zeros(400, dtype=int)
    with pytest.raises(UnbalanceableLabels) as error:
        balance_sampler_epochs(labels, 8, 35, 0.1429, 42, one_positive_mode)
    assert str(error.value) == (
        "0 positive and 400 negative image(s): the class-balancing sampler needs at least one positive (cancer) image"
    )


def test_fewer_negatives_than_a_batch_is_refused_instead_of_dividing_by_zero():
    labels = np.array([1, 1, 0, 0, 0, 0, 0, 0])  # int(0.1429·6) + 6 = 6 < 8
    with pytest.raises(UnbalanceableLabels) as error:
        balance_sampler_epochs(labels, 8, 1, 0.1429, 42)
    assert str(error.value) == (
        "2 positive and 6 negative image(s) make no full batch: an epoch has "
        "(int(positiveRatio·negatives) + negatives) // batchSize = (int(0.1429·6) + 6) // 8 = 0 batches"
    )


def test_without_one_positive_mode_a_ratio_leaving_no_room_for_positives_is_refused():
    labels = np.array([1] * 5 + [0] * 16)  # int(0·16) + 16 = 16 → 2 batches of 8, all 16 places negative
    with pytest.raises(UnbalanceableLabels, match="cannot build without onePositiveMode"):
        balance_sampler_epochs(labels, 8, 1, 0.0, 42, one_positive_mode=False)
    # One-positive mode puts one positive in each batch: the seed's lists, unchanged.
    epoch = balance_sampler_epochs(labels, 8, 1, 0.0, 42)[0]
    np.testing.assert_array_equal(epoch, reference_epochs(labels, 8, 1, 0.0, 42)[0])


def test_smallest_usable_training_part_matches_the_reference():
    assert sampler_problem(1, 6, 8, 0.1429, True) is not None  # int(0.1429·6) + 6 = 6 < 8
    assert sampler_problem(1, 7, 8, 0.1429, True) is None  # int(1.0003) + 7 = 8: one batch
    labels = np.array([1] + [0] * 7)
    epoch = balance_sampler_epochs(labels, 8, 2, 0.1429, 42)
    for ours, expected in zip(epoch, reference_epochs(labels, 8, 2, 0.1429, 42), strict=True):
        np.testing.assert_array_equal(ours, expected)
