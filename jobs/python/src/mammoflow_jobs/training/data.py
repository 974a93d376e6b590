"""The fold's training and validation sets (docs/seed-pipeline.md#training-set) over prepare-dataset's crops.

Layout of the `crops` input (the seed's `classification/` folder):
`{dataset}/cleaned_label.csv` and `{dataset}/cleaned_images/{patient_id}@{image_id}.png`.
The `split` input holds `cv/v2/{train,val}_fold_{k}.csv` (cv-split).
"""

from dataclasses import dataclass
from pathlib import Path

import albumentations as A
import cv2
import numpy as np
import pandas as pd
import torch

from ..contract import StageFailure
from .augment import fit_resize_pad

RSNA = "rsna-breast-cancer-detection"


@dataclass(frozen=True)
class FoldTables:
    train: pd.DataFrame  # columns include image_path, cancer; RSNA fold rows first, then externals in order
    val: pd.DataFrame


def _with_paths(frame: pd.DataFrame, images: Path) -> pd.DataFrame:
    paths = [str(images / f"{p}@{i}.png") for p, i in zip(frame["patient_id"], frame["image_id"], strict=True)]
    return frame.assign(image_path=paths)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise StageFailure("MissingArtifact", f"missing label file {path}", str(path))
    frame = pd.read_csv(path)
    for column in ("patient_id", "image_id", "cancer"):
        if column not in frame.columns:
            raise StageFailure("BadInput", f"{path} has no column '{column}'", str(path))
    return frame


def fold_tables(crops: Path, split: Path, fold: int, external: list[str]) -> FoldTables:
    """RSNA train_fold_k, then each external dataset in the given order; validation = RSNA val_fold_k."""
    rsna_images = crops / RSNA / "cleaned_images"
    parts = [_with_paths(_read_csv(split / "cv" / "v2" / f"train_fold_{fold}.csv"), rsna_images)]
    for name in external:
        parts.append(_with_paths(_read_csv(crops / name / "cleaned_label.csv"), crops / name / "cleaned_images"))
    train = pd.concat(parts, ignore_index=True)
    val = _with_paths(_read_csv(split / "cv" / "v2" / f"val_fold_{fold}.csv"), rsna_images)
    return FoldTables(train=train, val=val)


class CropDataset(torch.utils.data.Dataset):
    """uint8 3-channel image → (optional augmentation) → fit-resize + pad → CHW uint8 tensor, label.

    Each item's augmentation is seeded from (seed, epoch, position): the draw does not depend
    on worker count or on where a resumed run starts, so a restart replays the same batches.
    """

    def __init__(self, frame: pd.DataFrame, height: int, width: int, augmentation: A.Compose | None, seed: int):
        self.paths = frame["image_path"].tolist()
        self.labels = frame["cancer"].to_numpy()
        self.height, self.width = height, width
        self.augmentation = augmentation
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, key):
        index, position = key if isinstance(key, tuple) else (key, 0)
        image = cv2.imread(self.paths[index], cv2.IMREAD_COLOR)
        if image is None:
            raise StageFailure("BadInput", f"cannot read image {self.paths[index]}", self.paths[index])
        if self.augmentation is not None:
            self.augmentation.set_random_seed(
                int(np.random.SeedSequence([self.seed, self.epoch, position]).generate_state(1)[0])
            )
            image = self.augmentation(image=image)["image"]
        image = fit_resize_pad(image, self.height, self.width)
        return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))), int(self.labels[index])


def normalise(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """timm's PrefetchLoader: uint8 → float, (x − 255·mean)/(255·std)."""
    return (images.float() - mean) / std
