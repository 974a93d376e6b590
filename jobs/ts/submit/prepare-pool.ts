import type { Worker } from "node:worker_threads";
import type { ClassifierImage } from "../classify/classifier-input.ts";
import { startTsWorker } from "../dicom/batch/worker-pool.ts";
import type { PixelConversionOptions } from "../dicom/index.ts";
import type { PixelBox } from "../roi/otsu.ts";
import type { YoloxInput } from "../roi/yolox-input.ts";
import type { PrepareReply, PrepareRequest } from "./prepare-messages.ts";

const WORKER_URL = new URL("./prepare-worker.ts", import.meta.url).href;

type Waiter = { resolve: (reply: PrepareReply) => void };

/** One worker thread and the requests it has not answered yet. */
class Lane {
  private readonly waiting = new Map<number, Waiter>();
  private worker: Worker;

  constructor() {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = startTsWorker(WORKER_URL);
    worker.on("message", (reply: PrepareReply) => {
      this.waiting.get(reply.id)?.resolve(reply);
      this.waiting.delete(reply.id);
    });
    // A worker that dies (out of memory, a codec abort) fails what it held; a new one takes over.
    const crashed = (why: string) => {
      for (const [id, waiter] of this.waiting) waiter.resolve({ id, ok: false, error: `preparation worker ${why}` });
      this.waiting.clear();
      this.worker = this.start();
    };
    worker.on("error", (error) => crashed(`crashed (${error.message})`));
    worker.on("exit", (code) => {
      if (!this.closing) crashed(`exited with code ${code}`);
    });
    return worker;
  }

  closing = false;

  ask(request: PrepareRequest): Promise<PrepareReply> {
    return new Promise((resolve) => {
      this.waiting.set(request.id, { resolve });
      this.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

/**
 * Worker threads that decode and prepare images in parallel (the codecs are synchronous
 * WebAssembly, the bulk of the time). An image stays on the worker that decoded it until its
 * crop is made.
 */
export class PreparePool {
  private constructor(private readonly lanes: Lane[]) {}

  static start(workers: number): PreparePool {
    return new PreparePool(Array.from({ length: Math.max(1, workers) }, () => new Lane()));
  }

  get size(): number {
    return this.lanes.length;
  }

  private lane(id: number): Lane {
    return this.lanes[id % this.lanes.length] as Lane;
  }

  private async ask<T extends PrepareReply & { ok: true }>(request: PrepareRequest): Promise<T> {
    const reply = await this.lane(request.id).ask(request);
    if (!reply.ok) throw new Error(reply.error);
    return reply as T;
  }

  /** Decodes the file on the image's worker; returns its size and the detector input. */
  load(id: number, file: string, inputHeight: number, inputWidth: number) {
    return this.ask<Extract<PrepareReply, { type: "load" }>>({ type: "load", id, file, inputHeight, inputWidth });
  }

  /** Crops, windows and fits the image decoded by `load` onto the classifier canvas. */
  async crop(
    id: number,
    box: PixelBox,
    pixels: Partial<PixelConversionOptions>,
    canvasHeight: number,
    canvasWidth: number,
  ): Promise<ClassifierImage> {
    const reply = await this.ask<Extract<PrepareReply, { type: "crop" }>>({
      type: "crop",
      id,
      box: { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 },
      pixels,
      canvasHeight,
      canvasWidth,
    });
    return reply.image;
  }

  /** Forgets a loaded image whose crop will not be asked for. */
  async release(id: number): Promise<void> {
    await this.lane(id).ask({ type: "release", id });
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}

export type { YoloxInput };
