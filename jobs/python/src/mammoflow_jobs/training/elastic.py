"""The seed's ElasticTransform(alpha=1, sigma=20, alpha_affine=10) as albumentations 1.3 drew it.

albumentations removed `alpha_affine` after 1.3. With alpha 1 and sigma 20 the smoothed elastic
field moves pixels by about 0.008 px (std), so the random affine was the branch's visible
effect. Per call, as 1.3 did (docs/seed-pipeline.md#augmentation):

1. an integer `random_state` in [0, 10000] from the transform's Python generator, seeding a
   NumPy RandomState for everything below;
2. three control points around the image centre — (h//2, w//2) ± min(h, w)//3, written in
   (row, column) order but used as (x, y) points, a quirk kept since it decides which points
   move — each shifted by U(−alpha_affine, alpha_affine) in x and y; the affine map from the old
   to the new points warps the image (cv2.warpAffine);
3. dx, dy = gaussian_filter(U(−1, 1) per pixel, sigma) · alpha, x field drawn first;
   cv2.remap samples the warped image at (x + dx, y + dy).

Given the same `random_state` integer the output is the seed's (same OpenCV and SciPy); the
integer itself comes from albumentations 2's per-transform generator, not the seed's global
`random` module, so the streams differ (docs/fidelity.md).
"""

import albumentations as A
import cv2
import numpy as np
from scipy.ndimage import gaussian_filter


def affine_control_points(height: int, width: int) -> np.ndarray:
    """1.3's three source points (float32, as cv2.getAffineTransform takes them)."""
    centre = np.array((height, width), dtype=np.float32) // 2
    half = min(height, width) // 3
    return np.array(
        [centre + half, [centre[0] + half, centre[1] - half], centre - half],
        dtype=np.float32,
    )


def elastic_fields(
    height: int, width: int, alpha: float, sigma: float, alpha_affine: float, random_state: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The affine matrix (2×3) and the dx, dy fields one call draws from `random_state`."""
    rng = np.random.RandomState(random_state)
    source = affine_control_points(height, width)
    target = source + rng.uniform(-alpha_affine, alpha_affine, size=source.shape).astype(np.float32)
    matrix = cv2.getAffineTransform(source, target)
    dx = np.float32(gaussian_filter(rng.rand(height, width) * 2 - 1, sigma) * alpha)
    dy = np.float32(gaussian_filter(rng.rand(height, width) * 2 - 1, sigma) * alpha)
    return matrix, dx, dy


def elastic_transform(
    image: np.ndarray,
    alpha: float,
    sigma: float,
    alpha_affine: float,
    random_state: int,
    interpolation: int = cv2.INTER_LINEAR,
    border_mode: int = cv2.BORDER_CONSTANT,
    fill: float = 0,
) -> np.ndarray:
    height, width = image.shape[:2]
    matrix, dx, dy = elastic_fields(height, width, alpha, sigma, alpha_affine, random_state)
    warped = cv2.warpAffine(
        image, matrix, dsize=(width, height), flags=interpolation, borderMode=border_mode, borderValue=fill
    )
    x, y = np.meshgrid(np.arange(width), np.arange(height))
    map_x, map_y = np.float32(x + dx), np.float32(y + dy)
    out = cv2.remap(warped, map_x, map_y, interpolation=interpolation, borderMode=border_mode, borderValue=fill)
    # OpenCV drops a trailing channel axis of length 1; the input's shape is kept.
    return out.reshape(image.shape)


class SeedElasticTransform(A.ImageOnlyTransform):
    """albumentations 1.3's ElasticTransform with its random affine (see the module docstring)."""

    def __init__(
        self,
        alpha: float = 1,
        sigma: float = 20,
        alpha_affine: float = 10,
        interpolation: int = cv2.INTER_LINEAR,
        border_mode: int = cv2.BORDER_CONSTANT,
        fill: float = 0,
        p: float = 0.5,
    ):
        super().__init__(p=p)
        self.alpha, self.sigma, self.alpha_affine = alpha, sigma, alpha_affine
        self.interpolation, self.border_mode, self.fill = interpolation, border_mode, fill

    def get_params_dependent_on_data(self, params, data):
        return {"random_state": self.py_random.randint(0, 10000)}

    def apply(self, img, random_state=0, **params):
        return elastic_transform(
            img,
            self.alpha,
            self.sigma,
            self.alpha_affine,
            random_state,
            self.interpolation,
            self.border_mode,
            self.fill,
        )

    def get_transform_init_args_names(self):
        return ("alpha", "sigma", "alpha_affine", "interpolation", "border_mode", "fill")
