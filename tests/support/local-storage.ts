// What the end-to-end tests of the local runner prepare: a fresh storage root, the winner's
// detector checkpoint in the seed's format (a randomly initialised YOLOX-nano), and manifests.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { API_GROUP_VERSION } from "../../operator/api/group.ts";

const execFileAsync = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** A new, empty folder under the system's temporary folder, named `<prefix><random>`. */
export const tempStorage = (prefix: string) => mkdtemp(path.join(tmpdir(), prefix));

/** Where the seed's detector checkpoint goes below a storage root (the manifests' spec.checkpoint). */
export const DETECTOR_CHECKPOINT = "assets/trained/yolox_nano_416_roi_torch.pth";

/**
 * Writes a YOLOX-nano checkpoint in the seed's format ({'model': state_dict}), its weights drawn
 * from torch's generator seeded with `seed`, by the project's Python environment.
 */
export async function writeDetectorCheckpoint(file: string, seed = 0): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const script = [
    "import sys, torch",
    "from mammoflow_jobs.models.yolox_nano import build_yolox_nano",
    "torch.manual_seed(int(sys.argv[2]))",
    "torch.save({'model': build_yolox_nano().state_dict()}, sys.argv[1])",
  ].join("\n");
  await execFileAsync(path.join(REPO_ROOT, ".venv/bin/python"), ["-c", script, file, String(seed)]);
}

/** A manifest's YAML text: `kind` named `name`, its spec's lines as given (indented here). */
export const manifestYaml = (kind: string, name: string, spec: string[]) =>
  [
    `apiVersion: ${API_GROUP_VERSION}`,
    `kind: ${kind}`,
    `metadata: {name: ${name}}`,
    "spec:",
    ...spec.map((l) => `  ${l}`),
  ].join("\n");

/** A RoiDetectorTraining importing the seed's checkpoint, on the CPU (the tests' first stage). */
export const detectorManifest = (name: string, checkpoint = DETECTOR_CHECKPOINT) =>
  manifestYaml("RoiDetectorTraining", name, [`checkpoint: ${checkpoint}`, "placement: {gpusPerPod: 0}"]);

/** Writes `text` to `file`, its folder made when missing; returns the file. */
export async function writeManifest(file: string, text: string): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}
