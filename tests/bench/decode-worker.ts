// Worker of the decode benchmark: decodes the files it is sent (no conversion, no PNG), as the
// Python side does.
import { readFileSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { readDicom } from "../../jobs/ts/dicom/index.ts";

parentPort?.on("message", async (file: string) => {
  const image = await readDicom(new Uint8Array(readFileSync(file)));
  parentPort?.postMessage(image.pixels.length);
});
