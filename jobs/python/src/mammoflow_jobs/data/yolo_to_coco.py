"""YOLOv5 breast-box labels → COCO (docs/seed-pipeline.md#detector-labels, the seed's `yolov5_2_coco.py` conventions).

Image ids are 1..N in list order within each split; annotation ids run on across splits
(train first, then val); category `ROI` id 1 (`category_id = class + 1`); bbox
`[max(cx·W − w·W/2, 0), max(cy·H − h·H/2, 0), w·W, h·H]` (width/height not shrunk after the
clip), area `w·W · h·H`.
"""

from pathlib import Path

import cv2

JPEG_QUALITY = 95  # OpenCV's default for cv2.imwrite(.jpg), what the seed's converter used


def categories(class_names: list[str]) -> list[dict]:
    return [{"supercategory": name, "id": i, "name": name} for i, name in enumerate(class_names, 1)]


def box_annotation(line: str, width: int, height: int, image_id: int, annotation_id: int) -> dict | None:
    """One `cls cx cy w h` line (normalised) as a COCO annotation; None for a malformed line."""
    fields = line.split(" ")
    if len(fields) < 5:
        return None
    cx, cy, w, h = (float(v) for v in fields[1:5])
    cx, cy, box_w, box_h = cx * width, cy * height, w * width, h * height
    x0, y0 = max(cx - box_w / 2, 0), max(cy - box_h / 2, 0)
    x1, y1 = min(x0 + box_w, width), min(y0 + box_h, height)
    return {
        "segmentation": [[x0, y0, x1, y0, x1, y1, x0, y1]],
        "area": box_w * box_h,
        "iscrowd": 0,
        "image_id": image_id,
        "bbox": [x0, y0, box_w, box_h],
        "category_id": int(fields[0]) + 1,
        "id": annotation_id,
    }


def read_lines(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.read_text("utf-8").splitlines(keepends=True) if line.strip()]


def convert_split(
    entries: list[str], labels_dir: Path, images_dir: Path, out_images: Path, first_annotation_id: int, classes: list
) -> tuple[dict, int]:
    """Re-encodes each listed image as `{id:012d}.jpg` and returns (COCO dict, next annotation id)."""
    out_images.mkdir(parents=True, exist_ok=True)
    images, annotations, annotation_id = [], [], first_annotation_id
    for image_id, entry in enumerate(entries, 1):
        source = images_dir / Path(entry).name
        pixels = cv2.imread(str(source), cv2.IMREAD_COLOR)
        if pixels is None:
            raise FileNotFoundError(source)
        name = f"{image_id:012d}.jpg"
        cv2.imwrite(str(out_images / name), pixels, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        height, width = pixels.shape[:2]
        images.append({"file_name": name, "id": image_id, "height": height, "width": width, "source": Path(entry).name})
        label = labels_dir / f"{Path(entry).stem}.txt"
        for line in read_lines(label) if label.exists() else []:
            annotation = box_annotation(line, width, height, image_id, annotation_id)
            if annotation is not None:
                annotations.append(annotation)
                annotation_id += 1
    coco = {"images": images, "annotations": annotations, "categories": categories(classes), "type": "instances"}
    return coco, annotation_id
