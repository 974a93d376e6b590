"""roi-dataset (seed J1): the detector's COCO set from YOLOv5 labels and decoded PNG images.

Inputs (or, when absent, the same names as storage paths in `parameters.training`):
- `labels`: YOLOv5 folder — classes.txt, train.txt, val.txt (`images/{patient_id}@{image_id}.png`
  per line), labels/{patient_id}@{image_id}.txt. Default (jobs/contract/catalogue/roi-dataset.ts):
  the seed's boxes, `assets/data/roi_det_yolov5_format`.
- `images`: folder of the listed images as 8-bit PNGs, `{patient_id}@{image_id}.png`, decoded
  with path C (DICOM → min-max → uint8, MONOCHROME1 inverted; the TypeScript DICOM stage).
Writes `coco_format/{train2017,val2017}/{id:012d}.jpg` and `coco_format/annotations/instances_{split}2017.json`.
"""

import json
from pathlib import Path

from .. import params
from ..contract import StageFailure
from ..data.yolo_to_coco import convert_split, read_lines
from ..runner import StageContext
from . import stage

SPLITS = ("train", "val")


def _folder(ctx: StageContext, name: str) -> Path:
    if name in ctx.request.inputs:
        return ctx.input_path(name)
    training = params.section(ctx.request.stage_parameters, "training")
    relative = training.get(name)  # labels default to the seed's boxes (catalogue/roi-dataset.ts)
    if not relative:
        raise StageFailure("BadRequest", f"roi-dataset needs input '{name}' (or parameters.training.{name})")
    path = ctx.storage_root / relative
    if not path.exists():
        raise StageFailure("MissingArtifact", f"{name} folder not found: {path}", str(path))
    return path


@stage("roi-dataset")
def roi_dataset_stage(ctx: StageContext) -> None:
    labels = _folder(ctx, "labels")
    images = _folder(ctx, "images")
    for required in ("classes.txt", *(f"{s}.txt" for s in SPLITS)):
        if not (labels / required).is_file():
            raise StageFailure("BadInput", f"labels folder {labels} has no {required}", str(labels / required))
    classes = read_lines(labels / "classes.txt")
    out = ctx.output_dir / "coco_format"
    (out / "annotations").mkdir(parents=True, exist_ok=True)
    next_annotation = 1
    for split in SPLITS:
        entries = read_lines(labels / f"{split}.txt")
        missing = [e for e in entries if not (images / Path(e).name).is_file()]
        if missing:
            raise StageFailure(
                "MissingArtifact",
                f"{len(missing)} image(s) of {split}.txt are not in {images}, e.g. {Path(missing[0]).name} "
                "(expected 8-bit PNGs decoded with path C — min-max, MONOCHROME1 inverted — not DICOMs)",
                str(images / Path(missing[0]).name),
            )
        coco, next_annotation = convert_split(
            entries, labels / "labels", images, out / f"{split}2017", next_annotation, classes
        )
        path = out / "annotations" / f"instances_{split}2017.json"
        path.write_text(json.dumps(coco), "utf-8")
        ctx.add_artifact(f"{split}Annotations", path)
        ctx.metrics[f"{split}Images"] = len(coco["images"])
    ctx.add_artifact("coco", out)
