// The two stage images on the real node: built from docker/ by `npm run images:build` (cached by
// content hash, so an unchanged tree costs seconds) and imported into the node's containerd
// (once per image: the node cache keeps them). Used by the suite's global setup, `cluster:up`
// and `cluster:preload`.
import { execFileSync } from "node:child_process";
import { REPO_ROOT, readBuiltImages } from "../../../scripts/images/manifest.ts";
import { loadImage } from "./node-images.ts";

export interface StageImages {
  typescriptStage: string;
  pythonStage: string;
}

/** Builds the stage images whose content changed (waits for a build already running). */
export function buildStageImages(): void {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/images/build.ts", "--only", "stage-ts,stage-python"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
}

/** Imports the stage images the last build recorded into the containerd at `address`. */
export function loadStageImages(containerdAddress: string): StageImages {
  const built = readBuiltImages();
  const ts = built["stage-ts"];
  const python = built["stage-python"];
  if (!ts || !python)
    throw new Error("no stage images built yet: npm run images:build records them in .images/images.json");
  const started = Date.now();
  const images = {
    typescriptStage: loadImage(ts.ref, containerdAddress).name,
    pythonStage: loadImage(python.ref, containerdAddress).name,
  };
  process.stderr.write(`cluster: stage images on the real node in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return images;
}
