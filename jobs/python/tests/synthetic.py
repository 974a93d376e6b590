"""Small synthetic data sets written in the layouts the stages read."""

from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mammoflow_jobs.data.cv_split import fold_frames


def breast_image(rng: np.random.Generator, height: int, width: int, cancer: int) -> np.ndarray:
    """A gray 8-bit 'breast': a bright half-ellipse on black, a brighter blob for positives."""
    yy, xx = np.mgrid[0:height, 0:width]
    inside = ((yy - height / 2) / (height / 2)) ** 2 + (xx / (0.9 * width)) ** 2 <= 1
    image = np.where(inside, 90 + 40 * rng.random((height, width)), 0)
    if cancer:
        cy, cx = rng.integers(height // 4, 3 * height // 4), rng.integers(2, max(3, width // 2))
        image = np.where((yy - cy) ** 2 + (xx - cx) ** 2 < (height // 10) ** 2, 230, image)
    return image.astype(np.uint8)


def write_dataset(folder: Path, name: str, patients: int, seed: int, positive_rate: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    images = folder / name / "cleaned_images"
    images.mkdir(parents=True)
    for p in range(patients):
        cancer = int(rng.random() < positive_rate)
        for laterality in ("L", "R"):
            for view in range(2):
                image_id = int(rng.integers(1, 10**9))
                label = cancer if laterality == "L" else 0
                h, w = int(rng.integers(70, 110)), int(rng.integers(40, 70))
                cv2.imwrite(str(images / f"{1000 + p}@{image_id}.png"), breast_image(rng, h, w, label))
                rows.append(
                    {
                        "site_id": 1 + p % 2,
                        "patient_id": 1000 + p,
                        "image_id": image_id,
                        "laterality": laterality,
                        "view": view,
                        "cancer": label,
                    }
                )
    frame = pd.DataFrame(rows)
    frame.to_csv(folder / name / "cleaned_label.csv", index=False)
    return frame


def write_classification_data(storage: Path, patients: int = 12, external_patients: int = 3) -> None:
    """`crops/` (rsna + bmcd) and `split/cv/v2/` as prepare-dataset and cv-split write them."""
    labels = write_dataset(storage / "crops", "rsna-breast-cancer-detection", patients, 1, 0.4)
    write_dataset(storage / "crops", "bmcd", external_patients, 2, 0.5)
    out = storage / "split" / "cv" / "v2"
    out.mkdir(parents=True)
    for i, (train, val) in enumerate(fold_frames(labels, 2, 67)):
        train.to_csv(out / f"train_fold_{i}.csv", index=False)
        val.to_csv(out / f"val_fold_{i}.csv", index=False)
