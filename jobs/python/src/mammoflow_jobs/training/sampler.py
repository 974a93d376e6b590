"""BalanceSamplerV2 (docs/seed-pipeline.md#sampler): class-balanced batches, index lists pre-computed per epoch.

The lists must equal the seed's for the same labels and seed, so the NumPy calls are the
seed's, in the seed's order, on a legacy MT19937 stream (`RandomState(seed)` draws exactly what
`np.random.seed(seed)` followed by global `np.random.*` calls draws).
"""

import numpy as np


class UnbalanceableLabels(ValueError):
    """The labels cannot fill one class-balanced epoch; the message says why, with the counts."""


def sampler_problem(
    positives: int, negatives: int, batch_size: int, ratio: float, one_positive_mode: bool
) -> str | None:
    """Why the seed's algorithm cannot build an epoch for these counts, or None when it can.

    The seed has no behaviour to copy here: with no batch it divides by zero, with no positive
    image its oversampling loop never ends (memory grows without bound), and without
    one-positive mode a ratio that leaves no room for positives concatenates an empty pool.
    """
    iterations = (int(ratio * negatives) + negatives) // batch_size
    counts = f"{positives} positive and {negatives} negative image(s)"
    if iterations == 0:
        return (
            f"{counts} make no full batch: an epoch has (int(positiveRatio·negatives) + negatives) // batchSize = "
            f"(int({ratio}·{negatives}) + {negatives}) // {batch_size} = 0 batches"
        )
    if positives == 0:
        return f"{counts}: the class-balancing sampler needs at least one positive (cancer) image"
    if not one_positive_mode and iterations * batch_size - negatives <= 0:
        return (
            f"{counts}: at positiveRatio {ratio} the {iterations} batch(es) of {batch_size} hold only negatives, "
            "which the sampler cannot build without onePositiveMode"
        )
    return None


def positive_ratios(start: float, end: float, scheduled_epochs: int, epochs: int) -> np.ndarray:
    if start == end:
        return np.full((epochs,), start)
    ramp = np.linspace(start, end, scheduled_epochs)
    return np.concatenate([ramp, np.full((epochs - scheduled_epochs,), end)])


def _epoch_indices(
    rng: np.random.RandomState, positives: np.ndarray, negatives: np.ndarray, ratio: float, batch: int, one_pos: bool
) -> np.ndarray:
    iterations = (int(ratio * len(negatives)) + len(negatives)) // batch
    wanted_positives = iterations * batch - len(negatives)  # every negative is used once
    per_batch = wanted_positives // iterations
    if per_batch < 1 and one_pos:
        per_batch, wanted_positives = 1, iterations

    # Oversample positives by repeating independent shuffles until there are enough.
    pool, count = [], 0
    while count < wanted_positives:
        shuffled = positives.copy()
        rng.shuffle(shuffled)
        pool.append(shuffled)
        count += len(shuffled)
    pool = np.concatenate(pool, axis=0)

    batches = [pool[i * per_batch : (i + 1) * per_batch].tolist() for i in range(iterations)]
    used = iterations * per_batch
    leftovers = pool[used:wanted_positives]
    # The seed draws this permutation even when there are no leftovers: it moves the stream.
    for k, target in enumerate(rng.choice(np.arange(0, iterations, 1), len(leftovers), replace=False)):
        batches[target].append(leftovers[k])

    shuffled_negatives = negatives.copy()
    rng.shuffle(shuffled_negatives)
    cursor = 0
    for indices in batches:
        end = cursor + batch - len(indices)
        indices.extend(shuffled_negatives[cursor:end].tolist())
        cursor = end
    return np.array(batches).reshape(-1)


def balance_sampler_epochs(
    labels: np.ndarray,
    batch_size: int,
    epochs: int,
    ratio: float,
    seed: int,
    one_positive_mode: bool = True,
    end_ratio: float | None = None,
    scheduled_epochs: int = 10,
) -> list[np.ndarray]:
    """Dataset indices for each of `epochs` epochs (the seed pre-computes 35 at construction).

    Raises UnbalanceableLabels, before drawing anything, where the seed would hang or crash.
    """
    rng = np.random.RandomState(seed)
    labels = np.asarray(labels)
    positives, negatives = np.where(labels > 0)[0], np.where(labels == 0)[0]
    ratios = positive_ratios(ratio, ratio if end_ratio is None else end_ratio, scheduled_epochs, epochs)
    for r in np.unique(ratios):
        problem = sampler_problem(len(positives), len(negatives), batch_size, float(r), one_positive_mode)
        if problem is not None:
            raise UnbalanceableLabels(problem)
    return [_epoch_indices(rng, positives, negatives, r, batch_size, one_positive_mode) for r in ratios]
