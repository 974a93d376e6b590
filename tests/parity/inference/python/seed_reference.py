"""The seed's inference steps re-written on the CPU with its own libraries (PyTorch, NumPy,
OpenCV-Python, pandas), as the reference of the TypeScript parity tests (docs/seed-pipeline.md#parity-tolerances, P4–P9).

    seed_reference.py JOB.json

JOB.json: {"op": ..., "dir": folder of the .bin files, ...}. Arrays travel as raw little-endian
files (float32 unless said otherwise); the answer is printed as one JSON object.
"""

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
import torchvision

torch.set_num_threads(1)
STRIDES = (8, 16, 32)


def load(folder: Path, name: str, dtype=np.float32) -> np.ndarray:
    return np.fromfile(folder / name, dtype=dtype)


def preprocess_single(img: torch.Tensor, input_h: int, input_w: int):
    """`RoiExtractor.preprocess_single` on the CPU."""
    ori_h, ori_w = img.shape
    ratio = min(input_h / ori_h, input_w / ori_w)
    resized = F.interpolate(
        img.view(1, 1, ori_h, ori_w),
        mode="bilinear",
        scale_factor=ratio,
        recompute_scale_factor=True,
    )[0, 0]
    padded = torch.full((input_h, input_w), 114, dtype=resized.dtype)
    padded[: resized.size(0), : resized.size(1)] = resized
    return (
        padded.unsqueeze(-1).expand(-1, -1, 3).permute(2, 0, 1).float(),
        resized,
        ratio,
    )


def extract_roi_otsu(img: np.ndarray):
    """`extract_roi_otsu` (modifies img in place, as the seed's)."""
    ori_h, ori_w = img.shape[:2]
    upper = np.percentile(img, 95)
    img[img > upper] = np.min(img)
    img = cv2.GaussianBlur(img, (5, 5), 0)
    _, img_bin = cv2.threshold(img, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    element = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3), (-1, -1))
    img_bin = cv2.dilate(img_bin, element)
    cnts, _ = cv2.findContours(img_bin, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if len(cnts) == 0:
        return None, None
    areas = np.array([cv2.contourArea(c) for c in cnts])
    best = int(np.argmax(areas))
    area_pct = areas[best] / (img.shape[0] * img.shape[1])
    x0, y0, w, h = cv2.boundingRect(cnts[best])
    clamp = lambda v, hi: min(max(int(v), 0), hi)
    return [
        clamp(x0, ori_w),
        clamp(y0, ori_h),
        clamp(x0 + w, ori_w),
        clamp(y0 + h, ori_h),
    ], float(area_pct)


def decode_outputs(outputs: torch.Tensor, input_h: int, input_w: int) -> torch.Tensor:
    grids, strides = [], []
    for stride in STRIDES:
        hsize, wsize = input_h // stride, input_w // stride
        yv, xv = torch.meshgrid(
            [torch.arange(hsize), torch.arange(wsize)], indexing="ij"
        )
        grid = torch.stack((xv, yv), 2).view(1, -1, 2)
        grids.append(grid)
        strides.append(torch.full((*grid.shape[:2], 1), stride))
    grids = torch.cat(grids, dim=1).type(outputs.dtype)
    strides = torch.cat(strides, dim=1).type(outputs.dtype)
    return torch.cat(
        [
            (outputs[..., 0:2] + grids) * strides,
            torch.exp(outputs[..., 2:4]) * strides,
            outputs[..., 4:],
        ],
        dim=-1,
    )


def post_process(pred: torch.Tensor, conf: float, nms: float):
    """`RoiExtractor.post_process` for one image: corners, score filter, then torchvision's
    class-aware batched NMS. Returns the kept detections (x0, y0, x1, y1, obj, cls, class,
    anchor) in NMS order, or None. The anchor column is ours, to name the chosen box."""
    corners = pred.clone()
    corners[:, :, 0] = pred[:, :, 0] - pred[:, :, 2] / 2
    corners[:, :, 1] = pred[:, :, 1] - pred[:, :, 3] / 2
    corners[:, :, 2] = pred[:, :, 0] + pred[:, :, 2] / 2
    corners[:, :, 3] = pred[:, :, 1] + pred[:, :, 3] / 2
    image_pred = corners[0]
    class_conf, class_pred = torch.max(image_pred[:, 5:6], 1, keepdim=True)
    mask = (image_pred[:, 4] * class_conf.squeeze() >= conf).squeeze()
    anchor = torch.arange(image_pred.size(0), dtype=torch.float32)[:, None]
    detections = torch.cat(
        (image_pred[:, :5], class_conf, class_pred.float(), anchor), 1
    )[mask]
    if not detections.size(0):
        return None, 0
    keep = torchvision.ops.batched_nms(
        detections[:, :4], detections[:, 4] * detections[:, 5], detections[:, 6], nms
    )
    return detections[keep], int(detections.size(0))


def detect_single(
    output, resized, ratio, ori_h, ori_w, input_size, conf=0.5, area=0.04, nms=0.9
):
    """`detect_single` after the engine: decode, corners, score filter, class-aware NMS
    (torchvision), top box, mapping; then Otsu; then none."""
    pred = decode_outputs(output, *input_size)
    detections, _ = post_process(pred, conf, nms)
    top = None
    if detections is not None:
        detections[:, :4] = detections[:, :4] / ratio
        detections[:, 4] = detections[:, 4] * detections[:, 5]
        best = detections[detections[:, 4].argmax()]
        x0 = min(max(int(best[0]), 0), ori_w)
        y0 = min(max(int(best[1]), 0), ori_h)
        x1 = min(max(int(best[2]), 0), ori_w)
        y1 = min(max(int(best[3]), 0), ori_h)
        top = {
            "box": [x0, y0, x1, y1],
            "corners416": [float(v) for v in (best[:4] * ratio)],
            "score": float(best[4]),
        }
        area_pct = (x1 - x0) * (y1 - y0) / (ori_h * ori_w)
        if area_pct >= area:
            return {"branch": "yolox", "box": [x0, y0, x1, y1], "top": top}
    xyxy, area_pct = extract_roi_otsu(resized.to(torch.uint8).numpy())
    if xyxy is not None and area_pct >= area:
        box = [
            min(max(int(v / ratio), 0), hi)
            for v, hi in zip(xyxy, (ori_w, ori_h, ori_w, ori_h))
        ]
        return {"branch": "otsu", "box": box, "top": top, "otsuArea": area_pct}
    return {"branch": "full", "box": [0, 0, ori_w, ori_h], "top": top}


def resize_and_pad(
    img: torch.Tensor, input_size=(2048, 1024)
) -> tuple[torch.Tensor, list[int]]:
    """`resize_and_pad` of submit.py on one float crop, then the uint8 truncation."""
    input_h, input_w = input_size
    ori_h, ori_w = img.shape
    ratio = min(input_h / ori_h, input_w / ori_w)
    img = F.interpolate(
        img.view(1, 1, ori_h, ori_w),
        mode="bilinear",
        scale_factor=ratio,
        recompute_scale_factor=True,
    )[0, 0]
    dst = torch.zeros((input_h, input_w), dtype=img.dtype)
    start_h = (input_h - img.shape[0]) // 2
    start_w = (input_w - img.shape[1]) // 2
    dst[start_h : start_h + img.shape[0], start_w : start_w + img.shape[1]] = img
    return dst.to(torch.uint8), [start_h, start_w, img.shape[0], img.shape[1]]


def build_models():
    sys.path.insert(0, str(Path(__file__).parent))
    import make_models

    return make_models


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text())
    folder = Path(job["dir"])
    op = job["op"]
    result: dict = {}
    if op == "yolox_input":
        for case in job["cases"]:
            h, w = case["height"], case["width"]
            img = torch.from_numpy(load(folder, case["input"]).reshape(h, w))
            padded, resized, ratio = preprocess_single(
                img, job["inputHeight"], job["inputWidth"]
            )
            padded.numpy().astype(np.float32).tofile(folder / case["output"])
            result[case["input"]] = {"ratio": ratio, "resized": list(resized.shape)}
    elif op == "otsu":
        for case in job["cases"]:
            img = (
                load(folder, case["input"], np.uint8)
                .reshape(case["height"], case["width"])
                .copy()
            )
            box, area = extract_roi_otsu(img)
            result[case["input"]] = {"box": box, "area": area}
    elif op == "detect":
        make_models = build_models()
        models = {}
        for case in job["cases"]:
            name = case["model"]
            if name not in models:
                model = make_models.build_detector(name == "detector-confident")
                model.load_state_dict(torch.load(Path(job["models"]) / f"{name}.pt"))
                models[name] = model.eval()
            h, w = case["height"], case["width"]
            img = torch.from_numpy(load(folder, case["input"]).reshape(h, w))
            input_size = (job["inputHeight"], job["inputWidth"])
            padded, resized, ratio = preprocess_single(img, *input_size)
            with torch.no_grad():
                output = models[name](padded[None])
            output.numpy().astype(np.float32).tofile(folder / case["output"])
            result[case["input"] + ":" + name] = detect_single(
                output, resized, ratio, h, w, input_size
            )
    elif op == "nms_top":
        # The seed's choice among raw detector outputs: NMS, then the highest obj·cls.
        for case in job["cases"]:
            raw = torch.from_numpy(load(folder, case["input"]).reshape(1, -1, 6))
            pred = decode_outputs(raw, job["inputHeight"], job["inputWidth"])
            kept, candidates = post_process(pred, job["conf"], job["nms"])
            if kept is None:
                result[case["input"]] = None
                continue
            score = kept[:, 4] * kept[:, 5]
            best = kept[score.argmax()]
            result[case["input"]] = {
                "anchor": int(best[7]),
                "corners": [float(v) for v in best[:4]],
                "score": float(score.max()),
                "candidates": candidates,
                "kept": int(kept.size(0)),
            }
    elif op == "resize_and_pad":
        for case in job["cases"]:
            img = torch.from_numpy(
                load(folder, case["input"]).reshape(case["height"], case["width"])
            )
            out, placement = resize_and_pad(
                img, (job["canvasHeight"], job["canvasWidth"])
            )
            out.numpy().tofile(folder / case["output"])
            result[case["input"]] = placement
    elif op == "classifier":
        make_models = build_models()
        ensemble = make_models.build_ensemble()
        ensemble.load_state_dict(torch.load(Path(job["models"]) / "ensemble.pt"))
        n, h, w = job["count"], job["height"], job["width"]
        gray = torch.from_numpy(
            load(folder, job["input"], np.uint8).reshape(n, 1, h, w)
        )
        with torch.no_grad():
            probs = ensemble.eval()(gray.expand(n, 3, h, w).float())
        result["probabilities"] = probs.numpy().astype(np.float64).tolist()
    elif op == "aggregate":
        probs = np.array(job["probabilities"], dtype=np.float32)
        preds = np.nan_to_num(probs, nan=0).mean(axis=1)
        df = pd.DataFrame({"prediction_id": job["predictionIds"], "cancer": preds})
        breast = df.groupby("prediction_id").mean()
        thres = job["threshold"]
        if job.get("auto"):
            thres = np.quantile(breast["cancer"].values, job["quantile"])
        result = {
            "imageMeans": preds.astype(np.float64).tolist(),
            "ids": breast.index.tolist(),
            "probabilities": breast["cancer"].astype(np.float64).tolist(),
            "cancer": (breast["cancer"] > thres).astype(int).tolist(),
            "threshold": float(thres),
        }
    elif op == "metrics":
        from mammoflow_jobs.metrics.pfbeta import best_threshold_pfbeta, pfbeta
        from sklearn.metrics import auc, roc_curve

        result = []
        for case in job["cases"]:
            y = np.array(case["labels"], dtype=np.float64)
            p = np.array(case["predictions"], dtype=np.float64)
            best = best_threshold_pfbeta(y, p)
            fpr, tpr, _ = roc_curve(y, p, pos_label=1)
            result.append(
                {
                    "pF1": float(pfbeta(y, p)),
                    "bestF1": best.best_pfbeta,
                    "bestThreshold": best.best_threshold,
                    "auc": float(auc(fpr, tpr)),
                }
            )
    else:
        raise SystemExit(f"unknown op {op}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
