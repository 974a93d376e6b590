"""tools/make_toy_competition.py: the toy competition dataset of crds/samples/reproduction-toy.yaml."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "make_toy_competition.py"
RSNA = "datasets/raw/rsna-breast-cancer-detection"
TRAIN_COLUMNS = [
    "site_id", "patient_id", "image_id", "laterality", "view", "age", "cancer", "biopsy", "invasive", "BIRADS",
    "implant", "density", "machine_id", "difficult_negative_case",
]  # fmt: skip
TEST_COLUMNS = [
    "site_id",
    "patient_id",
    "image_id",
    "laterality",
    "view",
    "age",
    "implant",
    "machine_id",
    "prediction_id",
]
SMALL = ["--size", "160x128", "--train-patients", "6", "--cancer-patients", "2", "--test-patients", "2"]


def generate(out: Path, *args: str) -> Path:
    subprocess.run([sys.executable, str(TOOL), str(out), *args], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("toy"), *SMALL, "--labelled-patients", "4")


def display(path: Path) -> np.ndarray:
    """Stored values as a bright-breast image in 0..1 (MONOCHROME1 inverted)."""
    ds = pydicom.dcmread(path)
    values = ds.pixel_array.astype(np.float64) / (2**ds.BitsStored - 1)
    return 1 - values if ds.PhotometricInterpretation == "MONOCHROME1" else values


def test_train_and_test_tables_have_the_competitions_columns_and_files(toy):
    train = pd.read_csv(toy / RSNA / "train.csv")
    assert list(train.columns) == TRAIN_COLUMNS
    assert len(train) == 6 * 4 and train.groupby("patient_id").size().eq(4).all()
    assert sorted(train.groupby(["patient_id", "laterality"])["cancer"].max().tolist()) == [0] * 10 + [1] * 2
    test = pd.read_csv(toy / RSNA / "test.csv")
    assert list(test.columns) == TEST_COLUMNS and len(test) == 2 * 4
    labels = pd.read_csv(toy / RSNA / "test_labels.csv")
    assert sorted(labels["prediction_id"]) == sorted(test["prediction_id"].unique())
    assert labels["cancer"].sum() == 1
    for folder, table in (("train_images", train), ("test_images", test)):
        for patient, image in zip(table["patient_id"], table["image_id"], strict=True):
            ds = pydicom.dcmread(toy / RSNA / folder / str(patient) / f"{image}.dcm")
            assert (ds.PatientID, ds.ImageLaterality) == (
                str(patient),
                table.set_index("image_id").at[image, "laterality"],
            )
            assert ds.pixel_array.shape == (160, 128)


def test_images_are_in_the_competitions_two_syntaxes_and_both_photometrics(toy):
    files = sorted((toy / RSNA / "train_images").rglob("*.dcm"))
    syntaxes = {pydicom.dcmread(f).file_meta.TransferSyntaxUID for f in files}
    assert syntaxes == {"1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"}
    assert {pydicom.dcmread(f).PhotometricInterpretation for f in files} == {"MONOCHROME1", "MONOCHROME2"}


def test_cancer_breasts_show_a_bright_mass_and_healthy_ones_none(toy):
    train = pd.read_csv(toy / RSNA / "train.csv")
    for row in train.itertuples():
        image = display(toy / RSNA / "train_images" / str(row.patient_id) / f"{row.image_id}.dcm")
        rows, cols = image.shape
        # The phantom's mass centre (generate_studies.phantom) against the breast's median.
        cy, cx = int(rows * 0.45), int(cols * 0.3 if row.laterality == "L" else cols * 0.7)
        contrast = image[cy - 2 : cy + 3, cx - 2 : cx + 3].mean() - np.median(image[image > 0.2])
        if row.cancer:
            assert contrast > 0.15, (row.image_id, contrast)
        else:
            assert contrast < 0.1, (row.image_id, contrast)


def test_detector_labels_box_the_breast_of_listed_training_images(toy):
    labels = toy / "datasets/roi_det_yolov5_format"
    assert (labels / "classes.txt").read_text() == "ROI\n"
    train_ids = {f"{p}@{i}" for p, i in pd.read_csv(toy / RSNA / "train.csv")[["patient_id", "image_id"]].values}
    listed = {s: [Path(line).stem for line in (labels / f"{s}.txt").read_text().split()] for s in ("train", "val")}
    assert (len(listed["train"]), len(listed["val"])) == (3 * 4, 1 * 4)
    assert set(listed["train"] + listed["val"]) <= train_ids
    for name in listed["train"] + listed["val"]:
        fields = (labels / "labels" / f"{name}.txt").read_text().split()
        cls, cx, cy, w, h = fields[0], *map(float, fields[1:])
        assert cls == "0" and 0 < w <= 0.8 and 0.85 < h <= 1 and abs(cy - 0.5) < 0.01
        assert cx - w / 2 >= 0 and cx + w / 2 <= 1


def test_the_same_seed_writes_the_same_bytes(toy, tmp_path):
    again = generate(tmp_path / "again", *SMALL, "--labelled-patients", "4")
    first = sorted(p.relative_to(toy) for p in toy.rglob("*") if p.is_file())
    assert first == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for relative in first:
        assert (toy / relative).read_bytes() == (again / relative).read_bytes(), relative
