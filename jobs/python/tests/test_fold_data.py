"""The fold's training table is RSNA train_fold_k, then the external datasets in the given order.

See docs/seed-pipeline.md#training-set.
"""

import pandas as pd
import pytest
import torch
from synthetic import write_classification_data, write_dataset

from mammoflow_jobs.contract import StageFailure
from mammoflow_jobs.training.data import CropDataset, fold_tables


def test_concatenation_order_and_image_paths(tmp_path):
    write_classification_data(tmp_path, patients=4, external_patients=1)
    write_dataset(tmp_path / "crops", "cmmd", 2, 9, 0.5)
    tables = fold_tables(tmp_path / "crops", tmp_path / "split", 1, ["cmmd", "bmcd"])
    rsna = pd.read_csv(tmp_path / "split/cv/v2/train_fold_1.csv")
    cmmd = pd.read_csv(tmp_path / "crops/cmmd/cleaned_label.csv")
    bmcd = pd.read_csv(tmp_path / "crops/bmcd/cleaned_label.csv")
    assert tables.train["image_id"].tolist() == rsna.image_id.tolist() + cmmd.image_id.tolist() + bmcd.image_id.tolist()
    first_cmmd = tables.train.iloc[len(rsna)]
    assert first_cmmd.image_path.endswith(
        f"crops/cmmd/cleaned_images/{first_cmmd.patient_id}@{first_cmmd.image_id}.png"
    )
    assert tables.val["image_id"].tolist() == pd.read_csv(tmp_path / "split/cv/v2/val_fold_1.csv").image_id.tolist()

    item, label = CropDataset(tables.val, 64, 32, None, 0)[0]
    assert item.shape == (3, 64, 32) and item.dtype == torch.uint8 and label == tables.val.cancer.iloc[0]


def test_a_missing_external_dataset_is_a_permanent_missing_artifact(tmp_path):
    write_classification_data(tmp_path, patients=4, external_patients=1)
    with pytest.raises(StageFailure) as failure:
        fold_tables(tmp_path / "crops", tmp_path / "split", 0, ["vindr"])
    assert failure.value.reason == "MissingArtifact" and "vindr/cleaned_label.csv" in failure.value.message
