"""Colour JPEGs and OpenCV's gray read of them, for tests/unit/dataset/jpeg-luma.test.ts.

`python colour_jpegs.py DIR` writes colour JPEGs with OpenCV's encoder (libjpeg-turbo) in
several sizes, chroma samplings, qualities, restart intervals, optimised Huffman tables and one
progressive file into DIR, then reads every `*.jpg` in DIR (also those the test wrote with
sharp) as the seed reads CDD-CESM: `cv2.imread(path, cv2.IMREAD_ANYDEPTH)`, writing the uint8
result to `<name>.gray` and printing {name: [rows, columns]} as JSON.
"""

import json
import sys
from pathlib import Path

import cv2
import numpy as np

SAMPLING = {
    "420": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
    "422": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
    "444": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
    "411": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_411,
}


def picture(rows: int, columns: int, seed: int) -> np.ndarray:
    """A tinted 'breast' on black with noise and saturated patches (to reach the IDCT's clamps)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:columns]
    inside = ((yy - rows / 2) / (rows / 2)) ** 2 + (xx / (0.9 * columns)) ** 2 <= 1
    gray = np.where(
        inside, 60 + 150 * xx / columns + 30 * rng.random((rows, columns)), 0
    )
    bgr = np.stack([gray * 0.9, gray, gray * 1.15], axis=-1) + rng.normal(
        0, 12, (rows, columns, 3)
    )
    bgr[: rows // 4, columns // 2 :] = (0, 0, 255)  # saturated red
    bgr[rows // 2 : rows // 2 + 5, : columns // 3] = (255, 255, 255)
    bgr[-4:, -6:] = (255, 0, 0)
    return np.clip(bgr, 0, 255).astype(np.uint8)


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    case = 0
    for rows, columns in ((16, 16), (37, 53), (64, 48), (123, 201)):
        for sampling, factor in SAMPLING.items():
            for quality, restart, optimize in ((20, 0, 0), (75, 3, 0), (100, 0, 1)):
                params = [
                    cv2.IMWRITE_JPEG_QUALITY,
                    quality,
                    cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                    factor,
                    cv2.IMWRITE_JPEG_RST_INTERVAL,
                    restart,
                    cv2.IMWRITE_JPEG_OPTIMIZE,
                    optimize,
                ]
                name = f"cv2_{rows}x{columns}_{sampling}_q{quality}_rst{restart}_opt{optimize}.jpg"
                cv2.imwrite(str(out / name), picture(rows, columns, case), params)
                case += 1
    cv2.imwrite(
        str(out / "cv2_progressive.jpg"),
        picture(40, 30, 99),
        [cv2.IMWRITE_JPEG_PROGRESSIVE, 1],
    )
    shapes = {}
    for path in sorted(out.glob("*.jpg")):
        gray = cv2.imread(str(path), cv2.IMREAD_ANYDEPTH)
        assert gray.dtype == np.uint8 and gray.ndim == 2, (path, gray.dtype, gray.shape)
        (out / f"{path.name}.gray").write_bytes(gray.tobytes())
        shapes[path.name] = list(gray.shape)
    json.dump(shapes, sys.stdout)


if __name__ == "__main__":
    main()
