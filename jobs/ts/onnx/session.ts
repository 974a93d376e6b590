import { stat } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import type { ExecutionProvider, InferenceRuntimeOptions } from "./options.ts";

/** A provider that was asked for explicitly and cannot run here. */
export class ExecutionProviderUnavailable extends Error {
  override readonly name = "ExecutionProviderUnavailable";
}

/** fp16 asked of a provider that runs only the graph's own precision. */
export class PrecisionUnsupported extends Error {
  override readonly name = "PrecisionUnsupported";
}

/** A model file that is missing or that ONNX Runtime refuses. */
export class ModelLoadError extends Error {
  override readonly name = "ModelLoadError";
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export type ResolvedProvider = Exclude<ExecutionProvider, "Auto">;

export interface LoadedSession {
  session: ort.InferenceSession;
  provider: ResolvedProvider;
}

const HOW_TO_GET_GPU_PROVIDERS =
  "onnxruntime-node ships the CUDA and TensorRT providers as a separate download on Linux x64: install it without ONNXRUNTIME_NODE_INSTALL=skip (needs CUDA 12, cuDNN 9 and, for TensorRT, TensorRT 10 libraries on the library path)";

function providerChain(provider: ResolvedProvider, deviceId: number): ort.InferenceSession.ExecutionProviderConfig[] {
  // Nodes a GPU provider cannot take fall back to the CPU provider, as in the seed's TensorRT + PyTorch setup.
  if (provider === "TensorRT") return [{ name: "tensorrt", deviceId }, { name: "cuda", deviceId }, "cpu"];
  if (provider === "Cuda") return [{ name: "cuda", deviceId }, "cpu"];
  return ["cpu"];
}

/**
 * onnxruntime-node passes only the device id to TensorRT; the provider reads its precision and
 * engine cache settings from the environment when the session is created. The precision is set
 * either way (the environment outlives the session), and fp16 engines are cached in their own
 * folder so that an fp32 engine is never taken for one.
 */
export function tensorRtEnvironment(options: InferenceRuntimeOptions): Record<string, string> {
  const environment: Record<string, string> = { ORT_TENSORRT_FP16_ENABLE: options.fp16 ? "1" : "0" };
  if (options.tensorrtEngineCacheDir) {
    environment.ORT_TENSORRT_ENGINE_CACHE_ENABLE = "1";
    environment.ORT_TENSORRT_CACHE_PATH = options.fp16
      ? path.join(options.tensorrtEngineCacheDir, "fp16")
      : options.tensorrtEngineCacheDir;
  }
  return environment;
}

/** The providers to try, in order; fp16 leaves only TensorRT (see InferenceRuntimeOptions.fp16). */
export function providerCandidates(options: InferenceRuntimeOptions): ResolvedProvider[] {
  const provider = options.executionProvider;
  if (options.fp16 && provider !== "Auto" && provider !== "TensorRT") {
    throw new PrecisionUnsupported(
      `fp16 needs the TensorRT execution provider, which builds an fp16 engine as the seed's detector engine was; the ${provider} provider runs the model's own float32 graph: choose TensorRT (or Auto on a TensorRT host), or leave fp16 off`,
    );
  }
  if (provider !== "Auto") return [provider];
  return options.fp16 ? ["TensorRT"] : ["TensorRT", "Cuda", "Cpu"];
}

async function createWith(
  file: string,
  provider: ResolvedProvider,
  options: InferenceRuntimeOptions,
): Promise<ort.InferenceSession> {
  if (provider === "TensorRT") Object.assign(process.env, tensorRtEnvironment(options));
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    executionProviders: providerChain(provider, options.deviceId),
    graphOptimizationLevel: "all",
    // A GPU provider that fails to load is reported by us, with the reason, not by ORT's logger.
    logSeverityLevel: provider === "Cpu" ? 3 : 4,
  };
  if (options.threads > 0) {
    sessionOptions.intraOpNumThreads = options.threads;
    sessionOptions.interOpNumThreads = 1;
  }
  return ort.InferenceSession.create(file, sessionOptions);
}

function providerFailure(error: unknown): boolean {
  return /Failed to load|AppendExecutionProvider|provider/i.test(String(error));
}

/**
 * Opens an ONNX model once for the whole run on the chosen provider. Auto tries TensorRT, then
 * CUDA, then the CPU; an explicit GPU provider that cannot load is an error that says why.
 */
export async function openSession(file: string, options: InferenceRuntimeOptions): Promise<LoadedSession> {
  const exists = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) throw new ModelLoadError(file, "model file does not exist");
  const candidates = providerCandidates(options);
  let lastProviderError: unknown;
  for (const provider of candidates) {
    try {
      return { session: await createWith(file, provider, options), provider };
    } catch (error) {
      if (provider !== "Cpu" && providerFailure(error)) {
        lastProviderError = error;
        continue;
      }
      throw new ModelLoadError(file, `ONNX Runtime cannot load the model: ${(error as Error).message}`);
    }
  }
  throw new ExecutionProviderUnavailable(
    `the ${options.fp16 ? "TensorRT (for fp16)" : options.executionProvider} execution provider is not available (${String(lastProviderError).replace(/^Error: /, "")}); ${HOW_TO_GET_GPU_PROVIDERS}; or choose the CPU provider${options.fp16 ? " without fp16" : ""}`,
  );
}

/** Fixed sizes of a 4-D NCHW input, from the model's metadata. */
export function inputImageSize(session: ort.InferenceSession, file: string): { height: number; width: number } {
  const meta = session.inputMetadata[0];
  const shape = meta?.isTensor ? meta.shape : undefined;
  const [, channels, height, width] = shape ?? [];
  if (shape?.length !== 4 || channels !== 3 || typeof height !== "number" || typeof width !== "number") {
    throw new ModelLoadError(
      file,
      `input must be [N,3,H,W] float32 with fixed H and W; the model has ${JSON.stringify(shape)}`,
    );
  }
  return { height, width };
}
