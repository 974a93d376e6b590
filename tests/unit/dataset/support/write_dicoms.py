"""Writes small uncompressed mammography DICOMs for the prepare-dataset tests (pydicom 3).

Reads a JSON list from stdin, one object per file:
  {"path", "rows", "columns", "values": [row-major stored values], "bits": 8|12|16,
   "laterality": "L"|"R"|null, "photometric": "MONOCHROME2", "center": float|null,
   "width": float|null, "voi": "LINEAR"|"SIGMOID"|null}
"""

import json
import sys
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

MG_FOR_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.2"


def write(spec: dict) -> None:
    bits = spec.get("bits", 12)
    allocated = 8 if bits == 8 else 16
    pixels = np.asarray(spec["values"], dtype=np.uint8 if allocated == 8 else np.uint16)
    pixels = pixels.reshape(spec["rows"], spec["columns"])
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MG_FOR_PRESENTATION
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = MG_FOR_PRESENTATION
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MG"
    ds.PatientID = spec.get("patient", "anonymous")
    if spec.get("laterality"):
        ds.ImageLaterality = spec["laterality"]
    ds.Rows, ds.Columns = pixels.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = spec.get("photometric", "MONOCHROME2")
    ds.BitsAllocated = allocated
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    if spec.get("center") is not None:
        ds.WindowCenter = spec["center"]
        ds.WindowWidth = spec["width"]
    if spec.get("voi"):
        ds.VOILUTFunction = spec["voi"]
    ds.PixelData = pixels.tobytes()
    path = Path(spec["path"])
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


if __name__ == "__main__":
    for item in json.load(sys.stdin):
        write(item)
