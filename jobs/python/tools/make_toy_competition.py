"""A toy RSNA competition dataset under a storage root, for crds/samples/reproduction-toy.yaml.

    .venv/bin/python jobs/python/tools/make_toy_competition.py STORAGE [--size 256x208] [--seed 20230315]
        [--train-patients 16] [--cancer-patients 4] [--test-patients 4] [--labelled-patients 8]

writes, in the competition's layout (what the RSNA dataset adapter, the Submission's test set and
the detector's roi-images stage read):
  datasets/raw/rsna-breast-cancer-detection/train.csv        the competition's 14 columns, one row per image
  datasets/raw/rsna-breast-cancer-detection/train_images/{patient_id}/{image_id}.dcm
  datasets/raw/rsna-breast-cancer-detection/test.csv         the competition's test columns (prediction_id)
  datasets/raw/rsna-breast-cancer-detection/test_images/{patient_id}/{image_id}.dcm
  datasets/raw/rsna-breast-cancer-detection/test_labels.csv  prediction_id,cancer of every test breast
  datasets/roi_det_yolov5_format/                            breast boxes of some training images, in the
                                                             seed's YOLOv5 layout (classes.txt, train.txt,
                                                             val.txt, labels/{patient_id}@{image_id}.txt)

Every patient has CC and MLO of both breasts (Digital Mammography For Presentation, 12 bits). Patients
alternate between the competition's two transfer syntaxes: JPEG 2000 lossless (.90, pylibjpeg-openjpeg)
and JPEG Lossless SV1 (.70, GDCM); some are MONOCHROME1, windows are LINEAR, SIGMOID or absent. A
cancer breast carries the phantom's bright spiculated mass on both views (a visible lesion), and every
other breast none. Pixels come from tests/fixtures/dicom/generate_studies.py's phantom() and the boxes
from the phantom's breast mask (make_demo_assets.py), so the labels are exact. Everything is drawn
from --seed: the same stack writes the same bytes.
"""

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from make_demo_assets import breast_mask, mask_box

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests" / "fixtures" / "dicom"))
from generate_studies import Variant, base_dataset, phantom, write_one  # noqa: E402

RSNA = "datasets/raw/rsna-breast-cancer-detection"
LABELS = "datasets/roi_det_yolov5_format"
J2K_LOSSLESS, JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"
TRAIN_COLUMNS = (
    "site_id,patient_id,image_id,laterality,view,age,cancer,biopsy,invasive,BIRADS,implant,density,"
    "machine_id,difficult_negative_case"
)
TEST_COLUMNS = "site_id,patient_id,image_id,laterality,view,age,implant,machine_id,prediction_id"
# (photometric, VOI function, window centres, window widths) cycled over patients.
LOOKS = [
    ("MONOCHROME2", "LINEAR", [2047.0], [4096.0]),
    ("MONOCHROME1", "SIGMOID", [1450.0, 1900.0], [2200.0, 2100.0]),
    ("MONOCHROME2", "SIGMOID", [2100.0], [1800.0]),
    ("MONOCHROME2", None, [], []),
]


@dataclass(frozen=True)
class Patient:
    patient_id: int
    index: int
    cancer_side: str | None  # "L", "R" or None
    age: int

    @property
    def site(self) -> int:
        return 1 if self.index % 2 == 0 else 2

    @property
    def syntax(self) -> str:
        return J2K_LOSSLESS if self.index % 2 == 0 else JPEG_LOSSLESS_SV1

    @property
    def machine(self) -> int:
        return 49 if self.site == 1 else 21


def patients(first_id: int, count: int, cancers: int, rng: np.random.Generator) -> list[Patient]:
    """`count` patients, `cancers` of them (spread evenly, left and right in turn) with cancer in one breast."""
    sick = sorted({i * count // cancers for i in range(cancers)})
    side = {index: "LR"[k % 2] for k, index in enumerate(sick)}
    return [Patient(first_id + i, i, side.get(i), int(rng.integers(40, 80))) for i in range(count)]


def write_image(
    root: Path,
    folder: str,
    p: Patient,
    laterality: str,
    view: str,
    image_id: int,
    rows: int,
    cols: int,
    seed: int,
    scratch: Path,
) -> np.ndarray:
    """One DICOM of the patient; returns its stored values."""
    photometric, function, centers, widths = LOOKS[p.index % len(LOOKS)]
    v = Variant(
        f"{p.patient_id}-{laterality}-{view}",
        12,
        photometric,
        function,
        centers,
        widths,
        laterality=laterality,
        view=view,
        noise=0.001,
        mass=p.cancer_side == laterality,
    )
    pixels = phantom(rows, cols, v, np.random.default_rng([seed, image_id]))
    ds = base_dataset(v, pixels, p.patient_id)
    ds.PatientID = str(p.patient_id)
    ds.PatientName = f"Toy^{p.patient_id}"
    ds.PatientAge = f"{p.age:03d}Y"
    path = root / folder / str(p.patient_id) / f"{image_id}.dcm"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_one(ds, v, pixels, p.syntax, path, scratch)
    return pixels


def yolo_line(rows: int, cols: int, laterality: str) -> str:
    """The breast's bounding box as a YOLOv5 label line (class 0, normalised centre and size)."""
    x0, y0, x1, y1 = mask_box(breast_mask(rows, cols, laterality))
    return f"0 {(x0 + x1) / 2 / cols:.6f} {(y0 + y1) / 2 / rows:.6f} {(x1 - x0) / cols:.6f} {(y1 - y0) / rows:.6f}"


def write_toy(out: Path, rows: int, cols: int, seed: int, train: int, cancers: int, test: int, labelled: int) -> dict:
    rng = np.random.default_rng(seed)
    rsna = out / RSNA
    labels = out / LABELS
    (labels / "labels").mkdir(parents=True, exist_ok=True)
    train_rows, test_rows, test_labels = [TRAIN_COLUMNS], [TEST_COLUMNS], ["prediction_id,cancer"]
    boxed: list[list[str]] = []
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        for p in patients(10001, train, cancers, rng):
            names = []
            for laterality in ("L", "R"):
                cancer = int(p.cancer_side == laterality)
                birads = "" if cancer else str(int(rng.integers(0, 3))) + ".0"
                density = "ABCD"[int(rng.integers(0, 4))] if rng.random() < 0.6 else ""
                for view in ("CC", "MLO"):
                    image_id = int(rng.integers(10**8, 2 * 10**9))
                    write_image(rsna, "train_images", p, laterality, view, image_id, rows, cols, seed, scratch)
                    train_rows.append(
                        f"{p.site},{p.patient_id},{image_id},{laterality},{view},{p.age}.0,{cancer},{cancer},"
                        f"{cancer},{birads},0,{density},{p.machine},False"
                    )
                    names.append(f"{p.patient_id}@{image_id}")
                    if p.index < labelled:
                        (labels / "labels" / f"{names[-1]}.txt").write_text(yolo_line(rows, cols, laterality) + "\n")
            if p.index < labelled:
                boxed.append(names)
        for p in patients(20001, test, max(1, test // 2), rng):
            for laterality in ("L", "R"):
                prediction_id = f"{p.patient_id}_{laterality}"
                test_labels.append(f"{prediction_id},{int(p.cancer_side == laterality)}")
                for view in ("CC", "MLO"):
                    image_id = int(rng.integers(10**8, 2 * 10**9))
                    write_image(rsna, "test_images", p, laterality, view, image_id, rows, cols, seed, scratch)
                    test_rows.append(
                        f"{p.site},{p.patient_id},{image_id},{laterality},{view},{p.age},0,{p.machine},{prediction_id}"
                    )
    (rsna / "train.csv").write_text("\n".join(train_rows) + "\n")
    (rsna / "test.csv").write_text("\n".join(test_rows) + "\n")
    (rsna / "test_labels.csv").write_text("\n".join(test_labels) + "\n")
    # The last quarter of the labelled patients (at least one) is the detector's validation split.
    validation = max(1, len(boxed) // 4)
    (labels / "classes.txt").write_text("ROI\n")
    for split, group in (("train", boxed[:-validation]), ("val", boxed[-validation:])):
        (labels / f"{split}.txt").write_text("".join(f"images/{n}.png\n" for names in group for n in names))
    return {"trainImages": len(train_rows) - 1, "testImages": len(test_rows) - 1, "labelledImages": 4 * len(boxed)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("storage", type=Path, help="storage root to write datasets/ under")
    parser.add_argument("--size", default="256x208", help="ROWSxCOLS of every image")
    parser.add_argument("--seed", type=int, default=20230315)
    parser.add_argument("--train-patients", type=int, default=16)
    parser.add_argument("--cancer-patients", type=int, default=4, help="training patients with cancer in one breast")
    parser.add_argument("--test-patients", type=int, default=4)
    parser.add_argument("--labelled-patients", type=int, default=8, help="training patients with breast boxes")
    args = parser.parse_args()
    rows, cols = (int(n) for n in args.size.lower().split("x"))
    if not 0 < args.cancer_patients <= args.train_patients or not 2 <= args.labelled_patients <= args.train_patients:
        parser.error("need 1 ≤ --cancer-patients ≤ --train-patients and 2 ≤ --labelled-patients ≤ --train-patients")
    counts = write_toy(
        args.storage,
        rows,
        cols,
        args.seed,
        args.train_patients,
        args.cancer_patients,
        args.test_patients,
        args.labelled_patients,
    )
    print(f"toy competition under {args.storage}: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
