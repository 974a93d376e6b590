import { at } from "../../../jobs/contract/parameter-inputs.ts";
import { manifestField } from "../../pipeline/manifest-field.ts";
import type { StagePlan } from "../../pipeline/stage-plan.ts";
import type { LocalStep } from "./local-plan.ts";

/** What this machine offers the stages. */
export interface LocalHost {
  /** An NVIDIA GPU CUDA can use (gpu.ts hostHasGpu). */
  gpu: boolean;
  /** TensorRT's Python builder, asked only when an engine is planned on a GPU machine. */
  tensorRT: () => boolean;
}

/** A stage setting that needs a GPU (or TensorRT), and the spec field that asks for it. */
interface GpuNeed {
  /** The field of the resource's spec (before mapping to the user's manifest). */
  field: string;
  needs: "CUDA GPU" | "TensorRT";
  /** What to set the field to instead. */
  fix: string;
}

const GPU_PROVIDERS = new Set(["Cuda", "TensorRT"]);

/** The GPU a stage's settings ask for: what each stage's program does with them on a GPU-less machine. */
function needsOf(kind: string, plan: StagePlan): GpuNeed[] {
  const p = plan.parameters;
  switch (plan.stage) {
    case "build-engine": {
      // TensorRT builds on the GPU it serves; build-engine refuses a machine without one.
      const field = kind === "RoiDetectorTraining" ? "tensorRT" : "export.tensorRT";
      const fix = "false (the ONNX model then runs on the CPU)";
      return [
        { field, needs: "CUDA GPU", fix },
        { field, needs: "TensorRT", fix },
      ];
    }
    case "train-fold":
    case "train-detector":
      // Absent means Cuda: training never falls back to the CPU silently (training-device.ts).
      return at(p, "training", "device") === "Cpu"
        ? []
        : [{ field: "training.device", needs: "CUDA GPU", fix: "Cpu (toy runs only: a seed-sized run takes weeks)" }];
    case "predict":
    case "prepare-dataset": {
      const provider = at(p, "runtime", "executionProvider");
      return typeof provider === "string" && GPU_PROVIDERS.has(provider)
        ? [{ field: "runtime.executionProvider", needs: "CUDA GPU", fix: "Auto or Cpu" }]
        : [];
    }
    default:
      return [];
  }
}

/**
 * One line per manifest field whose setting asks for a GPU or TensorRT this machine lacks,
 * naming the stages that would fail on it and what to set the field to; empty when the machine
 * has what the run's stages need. Stages planned but not executed (`--only`) need nothing.
 */
export function gpuProblems(steps: readonly LocalStep[], host: LocalHost): string[] {
  const byField = new Map<string, { needs: GpuNeed["needs"]; fix: string; stages: string[] }>();
  let tensorRT: boolean | undefined;
  const hasTensorRT = () => {
    tensorRT ??= host.tensorRT();
    return tensorRT;
  };
  for (const step of steps.filter((s) => s.execute)) {
    for (const plan of step.stages) {
      for (const need of needsOf(step.resource.kind, plan)) {
        if (need.needs === "CUDA GPU" && host.gpu) continue;
        // Without a GPU the engine already fails for that; TensorRT is asked once, on a GPU machine.
        if (need.needs === "TensorRT" && (!host.gpu || hasTensorRT())) continue;
        const field = manifestField(step.resource.kind, step.resource.name, step.origin, need.field);
        const key = `${field} ${need.needs}`;
        const entry = byField.get(key) ?? { needs: need.needs, fix: need.fix, stages: [] };
        entry.stages.push(`${step.resource.kind}/${step.resource.name} ${plan.id}`);
        byField.set(key, entry);
      }
    }
  }
  return [...byField.entries()].map(([key, { needs, fix, stages }]) => {
    const field = key.slice(0, -(needs.length + 1));
    const lacks = needs === "TensorRT" ? "TensorRT (the Python package tensorrt)" : "a CUDA GPU";
    return `  ${field}: ${stages.join(", ")} need(s) ${lacks}, which this machine lacks; set it to ${fix}`;
  });
}
