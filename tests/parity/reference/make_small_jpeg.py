"""Small single-frame DICOM files whose codestreams GDCM writes, for the JPEG parity tests.

Usage: make_small_jpeg.py OUT_DIR SYNTAX COUNT BITS
SYNTAX is a gdcm.TransferSyntax name (JPEGLosslessProcess14_1, JPEGExtendedProcess2_4, ...), or
"dcmcjpeg OPTIONS" for DCMTK's encoder instead (e.g. "dcmcjpeg +ee": JPEG Extended, 8 or 12 bits,
the 12-bit lossy JPEG GDCM itself cannot write; Debian's dcmtk package).
Writes OUT_DIR/NNN.dcm and OUT_DIR/NNN.raw (the source pixels, little-endian, BitsAllocated wide).
Sizes and contents come from a seeded generator, so every run writes the same pixels: images of
2-39 rows and columns, alternately uniform noise and smooth rows (a random walk of steps -3..3),
which end on a zero difference often enough that the JPEG Lossless last-sample case turns up.
"""

import subprocess
import sys
from pathlib import Path

import gdcm
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


def pixels(rng: np.random.Generator, index: int, bits: int) -> np.ndarray:
    rows, cols = int(rng.integers(2, 40)), int(rng.integers(2, 40))
    if index % 2:
        values = rng.integers(0, 2**bits, size=(rows, cols))
    else:
        values = np.cumsum(rng.integers(-3, 4, size=(rows, cols)), axis=1) + 2 ** (bits - 1)
    return np.clip(values, 0, 2**bits - 1).astype("<u2" if bits > 8 else "u1")


def secondary_capture(px: np.ndarray, bits: int, index: int, syntax: str, uid_root: str) -> Dataset:
    """A single-frame MONOCHROME2 Secondary Capture of `px` (pixel data left to the caller)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = syntax
    ds.file_meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    ds.file_meta.MediaStorageSOPInstanceUID = f"{uid_root}.{index + 1}"
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Rows, ds.Columns = px.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16 if bits > 8 else 8
    ds.BitsStored = bits
    ds.HighBit = bits - 1
    ds.PixelRepresentation = 0
    return ds


def native_file(px: np.ndarray, bits: int, index: int, path: Path) -> None:
    ds = secondary_capture(px, bits, index, ExplicitVRLittleEndian, "1.2.826.0.1.3680043.10.1")
    ds.PixelData = px.tobytes()
    ds.save_as(path, enforce_file_format=True)


def gdcm_convert(source: Path, syntax: str, path: Path) -> None:
    reader = gdcm.ImageReader()
    reader.SetFileName(str(source))
    if not reader.Read():
        raise RuntimeError(f"GDCM cannot read {source}")
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax)))
    change.SetInput(reader.GetImage())
    if not change.Change():
        raise RuntimeError(f"GDCM cannot write {syntax}")
    writer = gdcm.ImageWriter()
    writer.SetFileName(str(path))
    writer.SetFile(reader.GetFile())
    writer.SetImage(change.GetOutput())
    if not writer.Write():
        raise RuntimeError(f"GDCM cannot write {path}")


def main() -> None:
    out, syntax, count, bits = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    source = out / "source.dcm"
    for index in range(count):
        px = pixels(rng, index, bits)
        native_file(px, bits, index, source)
        if syntax.startswith("dcmcjpeg"):
            subprocess.run([*syntax.split(), str(source), str(out / f"{index:03d}.dcm")], check=True)
        else:
            gdcm_convert(source, syntax, out / f"{index:03d}.dcm")
        (out / f"{index:03d}.raw").write_bytes(px.tobytes())
    source.unlink()


if __name__ == "__main__":
    main()
