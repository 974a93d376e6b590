"""JPEG Lossless SV1 streams with restart intervals, for the parity tests.

None of the installed encoders (GDCM, pydicom's plugins) writes restart intervals into a lossless
stream, yet archives hold such files; this writes them from ITU-T T.81 (Annex H, process 14,
first-order prediction): a canonical Huffman table for the 17 difference categories, a DRI
marker, and RSTn markers every `rows` image rows, each interval starting as the image's first
line does. DCMTK's decoder is the check that the encoding is right (the test compares it with the
source pixels).

Usage: encode_lossless_restarts.py OUT_DIR COUNT
Writes OUT_DIR/NNN.dcm (precision 16, BitsStored 16) and OUT_DIR/NNN.raw (the source pixels, uint16
little-endian). Seeded: every run writes the same files.
"""

import sys
from pathlib import Path

import numpy as np
from make_small_jpeg import secondary_capture
from pydicom.encaps import encapsulate

# Codes per length 1..16 for the categories 0..16 (canonical; Kraft sum < 1, so no all-ones code).
BITS = [0, 1, 4, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0]
PRECISION = 16


def huffman_codes() -> dict[int, tuple[int, int]]:
    table, code, symbol = {}, 0, 0
    for length in range(1, 17):
        for _ in range(BITS[length - 1]):
            table[symbol] = (code, length)
            code += 1
            symbol += 1
        code <<= 1
    return table


class BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.count = 0

    def put(self, value: int, length: int) -> None:
        for i in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)  # byte stuffing
                self.acc = self.count = 0

    def flush(self) -> bytes:
        """Pads the last byte with 1-bits, as T.81 asks before a marker."""
        if self.count:
            self.put((1 << (8 - self.count)) - 1, 8 - self.count)
        return bytes(self.out)


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def encode(px: np.ndarray, interval_rows: int) -> bytes:
    rows, cols = px.shape
    table = huffman_codes()
    head = b"\xff\xd8"
    head += segment(0xC3, bytes([PRECISION]) + rows.to_bytes(2, "big") + cols.to_bytes(2, "big") + bytes([1, 1, 0x11, 0]))
    head += segment(0xC4, bytes([0x00]) + bytes(BITS) + bytes(range(17)))
    head += segment(0xDD, (interval_rows * cols).to_bytes(2, "big"))
    head += segment(0xDA, bytes([1, 1, 0x00, 1, 0, 0]))  # one component, predictor 1, no point transform
    body, writer, restarts = bytearray(), BitWriter(), 0
    x = px.astype(np.int64)
    for r in range(rows):
        starts_interval = r % interval_rows == 0
        if r and starts_interval:
            body += writer.flush() + bytes([0xFF, 0xD0 + restarts % 8])
            writer, restarts = BitWriter(), restarts + 1
        for c in range(cols):
            if starts_interval:
                prediction = (1 << (PRECISION - 1)) if c == 0 else x[r, c - 1]
            else:
                prediction = x[r - 1, c] if c == 0 else x[r, c - 1]
            diff = int(x[r, c] - prediction) & 0xFFFF
            diff = diff - 0x10000 if diff >= 0x8000 else diff
            category = 16 if diff == -32768 else abs(diff).bit_length()
            writer.put(*table[category])
            if 0 < category < 16:
                writer.put(diff if diff > 0 else diff - 1 + (1 << category), category)
    return head + bytes(body) + writer.flush() + b"\xff\xd9"


def write_file(path: Path, px: np.ndarray, stream: bytes, index: int) -> None:
    ds = secondary_capture(px, 16, index, "1.2.840.10008.1.2.4.70", "1.2.826.0.1.3680043.10.2")
    ds.PixelData = encapsulate([stream])
    ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)


def main() -> None:
    out, count = Path(sys.argv[1]), int(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    for index in range(count):
        rows, cols = int(rng.integers(4, 40)), int(rng.integers(2, 40))
        if index % 2:
            values = rng.integers(0, 4096, size=(rows, cols))
        else:
            values = np.cumsum(rng.integers(-3, 4, size=(rows, cols)), axis=1) + 2048
        px = np.clip(values, 0, 4095).astype("<u2")
        write_file(out / f"{index:03d}.dcm", px, encode(px, int(rng.integers(1, 4))), index)
        (out / f"{index:03d}.raw").write_bytes(px.tobytes())


if __name__ == "__main__":
    main()
