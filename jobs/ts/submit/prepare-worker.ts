// Worker thread of the image preparation pool (prepare-pool.ts): decodes a DICOM file and builds
// the detector input; later, given the box, crops, windows and fits the crop onto the classifier
// canvas. The decoded image stays here between the two steps, so only small arrays travel.
import { readFile } from "node:fs/promises";
import { parentPort } from "node:worker_threads";
import { resizeAndPad } from "../classify/classifier-input.ts";
import { type DicomImage, readDicom, retainImageBuffers, windowedFloat, yoloxInputRows } from "../dicom/index.ts";
import { buildYoloxInput } from "../roi/yolox-input.ts";
import type { PrepareReply, PrepareRequest } from "./prepare-messages.ts";

retainImageBuffers();

const decoded = new Map<number, DicomImage>();

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function handle(request: PrepareRequest): Promise<{ reply: PrepareReply; transfer: ArrayBuffer[] }> {
  if (request.type === "load") {
    const image = await readDicom(await readFile(request.file));
    // Only the rows the fit-resize reads are computed, not the full-resolution float image.
    const input = buildYoloxInput(
      yoloxInputRows(image),
      image.rows,
      image.columns,
      request.inputHeight,
      request.inputWidth,
    );
    decoded.set(request.id, image);
    return {
      reply: { id: request.id, ok: true, type: "load", rows: image.rows, columns: image.columns, input },
      transfer: [input.tensor.buffer as ArrayBuffer, input.resized.buffer as ArrayBuffer],
    };
  }
  if (request.type === "release") {
    decoded.delete(request.id);
    return { reply: { id: request.id, ok: true, type: "release" }, transfer: [] };
  }
  const image = decoded.get(request.id);
  if (!image) throw new Error(`image ${request.id} was not loaded in this worker`);
  decoded.delete(request.id);
  const { box } = request;
  const crop = windowedFloat(image, request.pixels, box);
  const canvas = resizeAndPad(crop, box.y1 - box.y0, box.x1 - box.x0, request.canvasHeight, request.canvasWidth);
  return {
    reply: { id: request.id, ok: true, type: "crop", image: canvas },
    transfer: [canvas.pixels.buffer as ArrayBuffer],
  };
}

parentPort?.on("message", async (request: PrepareRequest) => {
  try {
    const { reply, transfer } = await handle(request);
    parentPort?.postMessage(reply, transfer);
  } catch (error) {
    decoded.delete(request.id);
    parentPort?.postMessage({ id: request.id, ok: false, error: reason(error) } satisfies PrepareReply);
  }
});
