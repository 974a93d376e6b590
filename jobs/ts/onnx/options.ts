/**
 * How ONNX Runtime runs (the API's `InferenceRuntime`, jobs/contract/parameters/submission.ts,
 * mirrored here because stages do not import the operator).
 */
export type ExecutionProvider = "Auto" | "Cpu" | "Cuda" | "TensorRT";

export interface InferenceRuntimeOptions {
  /** Auto tries TensorRT, then CUDA, then the CPU; the others fail clearly when unavailable. */
  executionProvider: ExecutionProvider;
  /** Classifier batch size (the seed used 2); lowered when the input tensors would not fit in memory. */
  batchSize: number;
  /** Intra-op threads of each session; 0 lets ONNX Runtime choose (one per core). */
  threads: number;
  /** GPU ordinal for CUDA and TensorRT. */
  deviceId: number;
  /** Folder of TensorRT engines, so a build stage (EngineBuild) can prepare them and predict reuse them. */
  tensorrtEngineCacheDir?: string;
  /**
   * Run in fp16, as the seed's TensorRT engines: only the TensorRT provider can (it builds an fp16
   * engine); CUDA and the CPU run the graph's own float32 and refuse it (session.ts), and Auto
   * then tries TensorRT alone. The ROI detector takes it on its own (roi/detector.ts).
   */
  fp16?: boolean;
}

export const DEFAULT_INFERENCE_RUNTIME: Readonly<InferenceRuntimeOptions> = Object.freeze({
  executionProvider: "Cpu",
  batchSize: 2,
  threads: 0,
  deviceId: 0,
});

export function inferenceRuntimeOptions(partial: Partial<InferenceRuntimeOptions> = {}): InferenceRuntimeOptions {
  return { ...DEFAULT_INFERENCE_RUNTIME, ...partial };
}

/** `cpu|cuda|tensorrt|auto` as typed on a command line → the API's spelling. */
export function parseExecutionProvider(value: string): ExecutionProvider {
  const known: Record<string, ExecutionProvider> = { auto: "Auto", cpu: "Cpu", cuda: "Cuda", tensorrt: "TensorRT" };
  const provider = known[value.toLowerCase()];
  if (!provider) throw new RangeError(`unknown execution provider '${value}' (cpu, cuda, tensorrt or auto)`);
  return provider;
}
