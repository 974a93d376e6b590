"""Training augmentation of exp7 (docs/seed-pipeline.md#augmentation) in albumentations 2.x, and the fit-resize + pad.

Mapping from the seed's albumentations 1.3 (differences in jobs/python/README.md):
ShiftScaleRotate → Affine (same ranges), ElasticTransform → SeedElasticTransform (1.3's
algorithm with `alpha_affine`, removed in 1.4; elastic.py), CoarseDropout(max_holes…) →
num_holes_range/hole_*_range, Downscale(scale_min/max, interpolation) →
scale_range/interpolation_pair; the crop without resize is ours. Every transform draws from
albumentations 2's per-transform generators, not the seed's global `random`/NumPy state, so no
image is augmented as the seed augmented it; the draws' distributions are the seed's, and
docs/fidelity.md lists which transforms also compute differently.
"""

import math

import albumentations as A
import cv2
import numpy as np

from .elastic import SeedElasticTransform


class RandomSizedCropNoResize(A.ImageOnlyTransform):
    """Random area fraction and aspect ratio (w/h log-uniform), 10 attempts, else a centre crop.

    The seed's CustomRandomSizedCropNoResize: torchvision's RandomResizedCrop parameters
    without the resize, so the crop keeps native resolution for the later fit-resize.
    """

    def __init__(self, scale=(0.5, 1.0), ratio=(0.5, 0.8), p: float = 1.0):
        super().__init__(p=p)
        self.scale = scale
        self.ratio = ratio

    def get_params_dependent_on_data(self, params, data):
        height, width = params["shape"][:2]
        area = height * width
        log_ratio = (math.log(self.ratio[0]), math.log(self.ratio[1]))
        for _ in range(10):
            target_area = self.py_random.uniform(*self.scale) * area
            aspect = math.exp(self.py_random.uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                return {
                    "top": self.py_random.randint(0, height - h),
                    "left": self.py_random.randint(0, width - w),
                    "h": h,
                    "w": w,
                }
        in_ratio = width / height
        if in_ratio < min(self.ratio):
            w, h = width, int(round(width / min(self.ratio)))
        elif in_ratio > max(self.ratio):
            h, w = height, int(round(height * max(self.ratio)))
        else:
            w, h = width, height
        return {"top": (height - h) // 2, "left": (width - w) // 2, "h": h, "w": w}

    def apply(self, img, top=0, left=0, h=0, w=0, **params):
        return img[top : top + h, left : left + w]

    def get_transform_init_args_names(self):
        return ("scale", "ratio")


def train_augmentation() -> A.Compose:
    """exp7's TrainAugment: applied to the uint8 crop at native resolution, before resizing."""
    linear, constant = cv2.INTER_LINEAR, cv2.BORDER_CONSTANT
    return A.Compose(
        [
            RandomSizedCropNoResize(scale=(0.5, 1.0), ratio=(0.5, 0.8), p=0.4),
            A.HorizontalFlip(p=0.5),
            A.VerticalFlip(p=0.5),
            A.OneOf(
                [
                    A.Downscale((0.75, 0.95), {"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_LINEAR}, p=0.1),
                    A.Downscale((0.75, 0.95), {"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_LANCZOS4}, p=0.1),
                    A.Downscale((0.75, 0.95), {"downscale": cv2.INTER_LINEAR, "upscale": cv2.INTER_LINEAR}, p=0.8),
                ],
                p=0.125,
            ),
            A.OneOf(
                [
                    A.RandomToneCurve(scale=0.3, p=0.5),
                    A.RandomBrightnessContrast((-0.1, 0.2), (-0.4, 0.5), brightness_by_max=True, p=0.5),
                ],
                p=0.5,
            ),
            A.OneOf(
                [
                    A.Affine(
                        scale=(0.85, 1.15),
                        translate_percent={"x": (-0.1, 0.1), "y": (-0.2, 0.2)},
                        rotate=(-30, 30),
                        keep_ratio=True,  # ShiftScaleRotate scaled both axes by one factor
                        interpolation=linear,
                        border_mode=constant,
                        fill=0,
                        rotate_method="largest_box",
                        p=0.6,
                    ),
                    # 1.3's transform with its ±10 px random affine (elastic.py), gone from albumentations 2.
                    SeedElasticTransform(
                        alpha=1, sigma=20, alpha_affine=10, interpolation=linear, border_mode=constant, fill=0, p=0.2
                    ),
                    A.GridDistortion(
                        num_steps=5,
                        distort_limit=0.3,
                        interpolation=linear,
                        normalized=True,
                        border_mode=constant,
                        fill=0,
                        p=0.2,
                    ),
                ],
                p=0.5,
            ),
            A.CoarseDropout(
                num_holes_range=(1, 6), hole_height_range=(0.05, 0.15), hole_width_range=(0.1, 0.25), fill=0, p=0.25
            ),
        ],
        p=0.9,
    )


def fit_resize_pad(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """exp7's ValTransform: r = min(H/h, W/w), cv2 INTER_LINEAR to (int(w·r), int(h·r)), centred zero pad."""
    h, w = image.shape[:2]
    r = min(height / h, width / w)
    new_h, new_w = int(h * r), int(w * r)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros((height, width) + image.shape[2:], dtype=image.dtype)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = resized
    return canvas
