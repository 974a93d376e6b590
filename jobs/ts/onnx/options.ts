import { PredictRuntime } from "../../contract/catalogue/predict.ts";
import type { EXECUTION_PROVIDERS } from "../../contract/parameters/detector-precision.ts";

/** ONNX Runtime's execution providers as the API names them (Auto tries TensorRT, then CUDA, then the CPU). */
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/**
 * How ONNX Runtime runs a model: the predict stage's runtime (jobs/contract/catalogue/predict.ts,
 * which documents each field and holds its default), with the engine cache as an absolute path.
 */
export interface InferenceRuntimeOptions
  extends Pick<PredictRuntime, "executionProvider" | "batchSize" | "threads" | "deviceId"> {
  /** Folder of TensorRT engines, so a build stage (EngineBuild) can prepare them and predict reuse them. */
  tensorrtEngineCacheDir?: string;
  /**
   * Run in fp16, as the seed's TensorRT engines: only the TensorRT provider can (it builds an fp16
   * engine); CUDA and the CPU run the graph's own float32 and refuse it (session.ts), and Auto
   * then tries TensorRT alone. The ROI detector takes it on its own (roi/detector.ts).
   */
  fp16?: boolean;
}

/** The catalogue's defaults on the CPU, read from its schema once (they do not change). */
function cpuRuntime(): Readonly<InferenceRuntimeOptions> {
  const { executionProvider, batchSize, threads, deviceId } = PredictRuntime.parse({ executionProvider: "Cpu" });
  return { executionProvider, batchSize, threads, deviceId };
}
const CPU_RUNTIME = cpuRuntime();

/**
 * The catalogue's runtime defaults with `partial` over them, for callers that are not a stage
 * (`mammoflow predict`, tools, tests): on the CPU unless they name a provider, where a stage
 * request without one gets the API's Auto.
 */
export function inferenceRuntimeOptions(partial: Partial<InferenceRuntimeOptions> = {}): InferenceRuntimeOptions {
  return { ...CPU_RUNTIME, ...partial };
}

/** `cpu|cuda|tensorrt|auto` as typed on a command line → the API's spelling. */
export function parseExecutionProvider(value: string): ExecutionProvider {
  const known: Record<string, ExecutionProvider> = { auto: "Auto", cpu: "Cpu", cuda: "Cuda", tensorrt: "TensorRT" };
  const provider = known[value.toLowerCase()];
  if (!provider) throw new RangeError(`unknown execution provider '${value}' (cpu, cuda, tensorrt or auto)`);
  return provider;
}
