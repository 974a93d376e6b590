import type { ClassifierImage } from "../classify/classifier-input.ts";
import type { ClassifierEnsemble } from "../classify/ensemble.ts";
import { foldMean } from "./aggregate.ts";
import type { ImageResult } from "./probabilities-file.ts";

/**
 * Collects prepared images into classifier batches and runs them one at a time (ONNX Runtime
 * works on its own threads meanwhile). Callers wait only when two batches are already queued,
 * so preparation runs ahead of the model without holding the whole test set in memory.
 */
export class BatchQueue {
  private pending: { result: ImageResult; input: ClassifierImage }[] = [];
  private running: Promise<void> = Promise.resolve();
  private queued = 0;

  constructor(
    private readonly classifier: ClassifierEnsemble,
    private readonly onFailed: (count: number) => void,
  ) {}

  async add(result: ImageResult, input: ClassifierImage): Promise<void> {
    this.pending.push({ result, input });
    if (this.pending.length >= this.classifier.batchSize) await this.launch();
  }

  /** Runs what is left and waits for every batch. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.launch();
    await this.running;
  }

  private async launch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.queued++;
    this.running = this.running.then(() => this.run(batch)).finally(() => this.queued--);
    if (this.queued > 1) await this.running;
  }

  private async run(batch: { result: ImageResult; input: ClassifierImage }[]): Promise<void> {
    try {
      const probabilities = await this.classifier.predictBatch(batch.map((b) => b.input));
      batch.forEach(({ result }, i) => {
        const folds = probabilities[i] as Float32Array;
        result.folds = folds;
        result.mean = foldMean(folds);
      });
    } catch (error) {
      for (const { result } of batch) result.error = `classifier failed: ${(error as Error).message ?? error}`;
      this.onFailed(batch.length);
    }
  }
}
