import type { Worker } from "node:worker_threads";
import type { ClassifierImage } from "../classify/classifier-input.ts";
import type { PixelConversionOptions } from "../dicom/index.ts";
import { startWorker, workerEntry } from "../platform/workers.ts";
import type { PixelBox } from "../roi/otsu.ts";
import type { YoloxInput } from "../roi/yolox-input.ts";
import type { PrepareReply, PrepareRequest } from "./prepare-messages.ts";

const WORKER_URL = workerEntry(import.meta.url, "prepare-worker");

type Waiter = { resolve: (reply: PrepareReply) => void };

/** One worker thread and the requests it has not answered yet. */
class Lane {
  private readonly waiting = new Map<number, Waiter>();
  private worker: Worker;

  constructor(private readonly poolSize: number) {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = startWorker(WORKER_URL, this.poolSize);
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
  /** Requests sent and not answered yet. */
  get outstanding(): number {
    return this.waiting.size;
  }

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
 * code, the bulk of the time). Each image is decoded on the least busy worker, not by its
 * index: decode times differ by 10× between transfer syntaxes, and a fixed mapping left workers
 * idle beside a long queue. An image stays on the worker that decoded it until its crop is made.
 */
export class PreparePool {
  private constructor(private readonly lanes: Lane[]) {}

  static start(workers: number): PreparePool {
    const size = Math.max(1, workers);
    return new PreparePool(Array.from({ length: size }, () => new Lane(size)));
  }

  get size(): number {
    return this.lanes.length;
  }

  /** Which worker holds each loaded image. */
  private readonly holder = new Map<number, Lane>();

  /** The worker with the fewest unanswered requests, then the fewest images held for their crop. */
  private leastBusy(): Lane {
    const held = new Map<Lane, number>();
    for (const lane of this.holder.values()) held.set(lane, (held.get(lane) ?? 0) + 1);
    const heldBy = (lane: Lane) => held.get(lane) ?? 0;
    let best = this.lanes[0] as Lane;
    for (const lane of this.lanes) {
      if (
        lane.outstanding < best.outstanding ||
        (lane.outstanding === best.outstanding && heldBy(lane) < heldBy(best))
      ) {
        best = lane;
      }
    }
    return best;
  }

  private holderOf(id: number): Lane {
    const lane = this.holder.get(id);
    if (!lane) throw new Error(`image ${id} was not loaded in the preparation pool`);
    return lane;
  }

  private static ok<T extends PrepareReply & { ok: true }>(reply: PrepareReply): T {
    if (!reply.ok) throw new Error(reply.error);
    return reply as T;
  }

  /** Decodes the file on the least busy worker; returns its size and the detector input. */
  async load(id: number, file: string, inputHeight: number, inputWidth: number) {
    const lane = this.leastBusy();
    this.holder.set(id, lane);
    const reply = await lane.ask({ type: "load", id, file, inputHeight, inputWidth });
    if (!reply.ok) this.holder.delete(id);
    return PreparePool.ok<Extract<PrepareReply, { type: "load" }>>(reply);
  }

  /** Crops, windows and fits the image decoded by `load` onto the classifier canvas. */
  async crop(
    id: number,
    box: PixelBox,
    pixels: Partial<PixelConversionOptions>,
    canvasHeight: number,
    canvasWidth: number,
  ): Promise<ClassifierImage> {
    const lane = this.holderOf(id);
    const reply = await lane
      .ask({
        type: "crop",
        id,
        box: { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 },
        pixels,
        canvasHeight,
        canvasWidth,
      })
      .finally(() => this.holder.delete(id));
    return PreparePool.ok<Extract<PrepareReply, { type: "crop" }>>(reply).image;
  }

  /** Forgets a loaded image whose crop will not be asked for. */
  async release(id: number): Promise<void> {
    const lane = this.holderOf(id);
    await lane.ask({ type: "release", id }).finally(() => this.holder.delete(id));
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((l) => l.close()));
  }
}

export type { YoloxInput };
