"""The seed's ElasticTransform(alpha=1, sigma=20, alpha_affine=10) as albumentations 1.3 drew it (issue 16, point 2)."""

import math

import albumentations as A
import cv2
import numpy as np
from scipy import stats
from scipy.ndimage import gaussian_filter

from mammoflow_jobs.training.augment import train_augmentation
from mammoflow_jobs.training.elastic import SeedElasticTransform, elastic_fields, elastic_transform

HEIGHT, WIDTH = 96, 128
# 1.3's control points: centre (h//2, w//2) = (48, 64) ± min(h, w)//3 = 32, in (row, column)
# order but read by cv2.getAffineTransform as (x, y).
SOURCE_POINTS = np.array([[80, 96], [80, 32], [16, 32]], dtype=np.float64)


def coordinate_image(height: int, width: int) -> np.ndarray:
    """Two float32 channels holding each pixel's own x and y: a linear warp of it reads back where
    every output pixel was sampled from (bilinear interpolation of a ramp is exact)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.dstack([x, y])


def measured_shifts(random_state: int) -> np.ndarray:
    """The control points' shifts, measured from the transformed image alone (alpha 0: affine only)."""
    out = elastic_transform(coordinate_image(HEIGHT, WIDTH), 0.0, 20, 10, random_state)
    # Central pixels, whose source stays inside the image: out = M⁻¹ · (x, y, 1) there.
    y, x = np.mgrid[24:72, 32:96]
    design = np.column_stack([x.ravel(), y.ravel(), np.ones(x.size)])
    inverse, *_ = np.linalg.lstsq(design, out[24:72, 32:96].reshape(-1, 2).astype(np.float64), rcond=None)
    inverse = np.vstack([inverse.T, [0, 0, 1]])
    forward = np.linalg.inv(inverse)
    moved = (forward @ np.column_stack([SOURCE_POINTS, np.ones(3)]).T).T[:, :2]
    return moved - SOURCE_POINTS


def test_each_control_point_moves_by_the_seeds_uniform_draw():
    # 1.3: pts2 = pts1 + RandomState(random_state).uniform(−alpha_affine, alpha_affine, (3, 2)),
    # the first draws of that generator. OpenCV samples at 1/32 px, hence the tolerance.
    for random_state in (0, 7, 10_000):
        expected = np.random.RandomState(random_state).uniform(-10, 10, size=(3, 2))
        np.testing.assert_allclose(measured_shifts(random_state), expected, atol=0.01)


def test_the_shift_distribution_is_uniform_within_alpha_affine():
    shifts = np.concatenate([measured_shifts(state).ravel() for state in range(300)])
    assert np.abs(shifts).max() <= 10 + 0.01
    assert abs(shifts.mean()) < 0.6  # 5 standard errors of U(−10, 10)'s mean over 1,800 draws
    assert abs(shifts.std() - 10 / math.sqrt(3)) < 0.35
    assert stats.kstest(shifts, stats.uniform(loc=-10, scale=20).cdf).pvalue > 1e-3


def test_the_elastic_field_is_smoothed_uniform_noise_of_the_seeds_size():
    # dx = gaussian_filter(U(−1, 1), sigma) · alpha: for white noise of variance 1/3 smoothed by a
    # 2-D Gaussian, std = alpha · sqrt(1/3) / (2·sqrt(pi)·sigma) ≈ 0.0081 px at alpha 1, sigma 20.
    expected = math.sqrt(1 / 3) / (2 * math.sqrt(math.pi) * 20)
    fields = [elastic_fields(400, 400, 1.0, 20, 10, state) for state in range(6)]
    for _, dx, dy in fields:
        assert dx.dtype == dy.dtype == np.float32
        assert not np.array_equal(dx, dy)  # same_dxdy=False: two draws
    spread = np.concatenate(
        [np.concatenate([dx[60:-60, 60:-60].ravel(), dy[60:-60, 60:-60].ravel()]) for _, dx, dy in fields]
    )
    assert abs(spread.std() / expected - 1) < 0.15
    # The affine drawn first, then dx from the next numbers of the same generator.
    rng = np.random.RandomState(3)
    rng.uniform(-10, 10, size=(3, 2))
    np.testing.assert_array_equal(
        elastic_fields(50, 40, 1.0, 20, 10, 3)[1], np.float32(gaussian_filter(rng.rand(50, 40) * 2 - 1, 20))
    )


def test_the_transform_is_one_draw_of_random_state_per_call_and_keeps_shape_and_type():
    image = (np.random.default_rng(0).random((90, 70, 3)) * 255).astype(np.uint8)
    transform = SeedElasticTransform(alpha=1, sigma=20, alpha_affine=10, p=1.0)
    transform.set_random_seed(5)
    first = transform(image=image)["image"]
    transform.set_random_seed(5)
    assert np.array_equal(transform(image=image)["image"], first)
    assert first.shape == image.shape and first.dtype == np.uint8
    # The one integer 1.3 drew per call (random.randint(0, 10000)) decides the whole output.
    transform.set_random_seed(5)
    state = transform.get_params_dependent_on_data({}, {})["random_state"]
    assert 0 <= state <= 10_000
    np.testing.assert_array_equal(elastic_transform(image, 1, 20, 10, state), first)
    gray = image[:, :, :1]
    assert transform(image=gray)["image"].shape == gray.shape


def test_exp7_uses_it_with_the_seeds_parameters():
    branch = next(
        t
        for t in train_augmentation().transforms
        if isinstance(t, A.OneOf) and any(isinstance(c, SeedElasticTransform) for c in t.transforms)
    )
    elastic = next(c for c in branch.transforms if isinstance(c, SeedElasticTransform))
    assert (elastic.alpha, elastic.sigma, elastic.alpha_affine, elastic.p) == (1, 20, 10, 0.2)
    assert (elastic.interpolation, elastic.border_mode, elastic.fill) == (cv2.INTER_LINEAR, cv2.BORDER_CONSTANT, 0)
    assert branch.p == 0.5
