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


MACHINES = ([49, 48, 29, 21, 93, 216, 170, 190, 210], [0.43, 0.2, 0.1, 0.1, 0.05, 0.04, 0.03, 0.03, 0.02])


def rsna_labels(patients: int, seed: int, implant_rate: float = 0.014) -> pd.DataFrame:
    """An RSNA-shaped label table (train.csv's columns and row order, sorted by patient).

    Each patient has CC and MLO of both breasts, a sixth of the breasts one or two extra images;
    ~4 % of patients have cancer in one breast (all its images positive), ~2 % of the images.
    Site 1 patients are younger than site 2's; `implant_rate` of the patients have an implant.
    """
    rng = np.random.default_rng(seed)
    patient_ids = np.sort(rng.choice(np.arange(5, 65535), patients, replace=False))
    site = rng.integers(1, 3, patients)
    age = np.round(rng.normal(np.where(site == 1, 57.0, 60.0), 9.0))
    age[rng.random(patients) < 0.002] = np.nan
    implant = (rng.random(patients) < implant_rate).astype(int)
    machine = rng.choice(MACHINES[0], patients, p=MACHINES[1])
    sick_side = np.where(rng.random(patients) < 0.042, rng.integers(0, 2, patients), -1)
    extra = rng.random((patients, 2)) < 1 / 6
    per_breast = (2 + extra * rng.integers(1, 3, (patients, 2))).ravel()
    patient = np.repeat(np.repeat(np.arange(patients), 2), per_breast)
    side = np.repeat(np.tile([0, 1], patients), per_breast)
    position = np.arange(len(patient)) - np.repeat(np.cumsum(per_breast) - per_breast, per_breast)
    return pd.DataFrame(
        {
            "site_id": site[patient],
            "patient_id": patient_ids[patient],
            "image_id": rng.choice(2**31 - 1, len(patient), replace=False),
            "laterality": np.where(side == 0, "L", "R"),
            "view": np.where(position == 0, "CC", "MLO"),
            "age": age[patient],
            "cancer": (side == sick_side[patient]).astype(int),
            "implant": implant[patient],
            "machine_id": machine[patient],
        }
    )
