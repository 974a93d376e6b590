// EngineBuild "e" of namespace "ns", the resource most status tests walk: export-onnx, then
// build-engine on one GPU; and what each stage leaves when it succeeds.
import { makeObservation, makePlan } from "./operator-builders.ts";

export const exportPlan = makePlan("export-onnx", "export-onnx").outputDir("runs/ns/EngineBuild/e/export-onnx").obj();
export const buildPlan = makePlan("build-engine", "build-engine")
  .gpu(1)
  .outputDir("runs/ns/EngineBuild/e/build-engine")
  .obj();
export const engineBuildPlans = [exportPlan, buildPlan];

/** export-onnx succeeded, with its ensemble.onnx. */
export const exported = makeObservation("Succeeded", "export-onnx").artifact("ensemble.onnx").obj();
/** build-engine succeeded, with its ensemble.engine. */
export const built = makeObservation("Succeeded", "build-engine").artifact("ensemble.engine").obj();
