import { stat } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import type { ExecutionProvider, InferenceRuntimeOptions } from "./options.ts";

/** A provider that was asked for explicitly and cannot run here. */
export class ExecutionProviderUnavailable extends Error {
  override readonly name = "ExecutionProviderUnavailable";
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
 * onnxruntime-node passes only the device id to TensorRT; the provider reads its engine cache
 * settings from the environment when the session is created.
 */
function configureTensorRtCache(options: InferenceRuntimeOptions): void {
  if (!options.tensorrtEngineCacheDir) return;
  process.env.ORT_TENSORRT_ENGINE_CACHE_ENABLE = "1";
  process.env.ORT_TENSORRT_CACHE_PATH = options.tensorrtEngineCacheDir;
}

async function createWith(
  file: string,
  provider: ResolvedProvider,
  options: InferenceRuntimeOptions,
): Promise<ort.InferenceSession> {
  if (provider === "TensorRT") configureTensorRtCache(options);
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
  const candidates: ResolvedProvider[] =
    options.executionProvider === "Auto" ? ["TensorRT", "Cuda", "Cpu"] : [options.executionProvider];
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
    `the ${options.executionProvider} execution provider is not available (${String(lastProviderError).replace(/^Error: /, "")}); ${HOW_TO_GET_GPU_PROVIDERS}; or choose the CPU provider`,
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
