// A stage run that finished, as the stage runtime leaves it under the storage root: its output
// file, result.json (with the reuse record the runtime writes) and the result cache's entry, so a
// test can start from "this work is already done" without running the stage.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { canonicalJson, sha256Hex } from "../../jobs/contract/canonical-json.ts";
import { STAGE_API_VERSION, type StageRequest } from "../../jobs/contract/request.ts";
import { StageResult } from "../../jobs/contract/result.ts";
import { checkReuse, offerResult, reuseRecord } from "../../jobs/contract/reuse.ts";

/**
 * Leaves `request` finished under `root`: one output file `file` holding "onnx", reported as the
 * artifact "onnx", with `metrics`. Returns the result it wrote.
 */
export async function leaveFinishedStage(
  root: string,
  request: StageRequest,
  file: string,
  metrics: Record<string, number> = {},
): Promise<StageResult> {
  const digest = sha256Hex(canonicalJson(request));
  const check = await checkReuse(root, request, digest, { readOnly: true });
  const folder = path.join(root, request.outputDir);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, file), "onnx");
  const at = new Date().toISOString();
  const result = StageResult.parse({
    apiVersion: STAGE_API_VERSION,
    stage: request.stage,
    outcome: "Succeeded",
    requestDigest: digest,
    startedAt: at,
    finishedAt: at,
    ...(Object.keys(metrics).length > 0 ? { metrics } : {}),
    artifacts: [{ name: "onnx", path: `${request.outputDir}/${file}`, sha256: "0".repeat(64), sizeBytes: 4 }],
    ...reuseRecord(check, at, at),
  });
  await writeFile(path.join(folder, "result.json"), JSON.stringify(result));
  await offerResult(root, request, result);
  return result;
}
