// The stage images for tests whose pods really run: built from docker/ by `npm run images:build`
// (cached by content hash, so an unchanged tree costs seconds) and loaded into the real node,
// both in the suite's global setup (no hook timeout there; a cold build takes minutes).
import { execFileSync } from "node:child_process";
import { inject } from "vitest";
import { REPO_ROOT, readBuiltImages } from "../../../scripts/images/manifest.ts";
import { loadImage } from "../harness/node-images.ts";

export interface StageImages {
  typescriptStage: string;
  pythonStage: string;
}

/** Builds the stage images where their content changed and loads them into the real node. */
export function prepareStageImages(containerdAddress: string): StageImages {
  execFileSync(process.execPath, ["--import", "tsx", "scripts/images/build.ts", "--only", "stage-ts,stage-python"], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const built = readBuiltImages();
  const ts = built["stage-ts"];
  const python = built["stage-python"];
  if (!ts || !python) throw new Error("npm run images:build did not record the stage images in .images/images.json");
  const started = Date.now();
  const images = {
    typescriptStage: loadImage(ts.ref, containerdAddress).name,
    pythonStage: loadImage(python.ref, containerdAddress).name,
  };
  process.stderr.write(`cluster: stage images on the real node in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return images;
}

/** References of the stage images as the real node knows them (use imagePullPolicy Never). */
export function stageImagesOnNode(): StageImages {
  const images = inject("stageImages");
  if (!images) throw new Error("this test needs the stage images, which MAMMOFLOW_CLUSTER_REAL_NODE=off left out");
  return images;
}
