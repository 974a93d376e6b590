// A stage whose Job the API server refuses for good (a 4xx the same request gets again, e.g. an
// admission webhook's) fails through the loop's refusal path (operator/loop reconcile-stages.ts,
// the cluster executor's `refused`): Failed with StageRejected and the server's words, a Warning
// Event, nothing tried again until the retry annotation changes. The in-memory API server is told
// to refuse Jobs; the caches, reconcilers and Event recorder are the real ones.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RETRY_ANNOTATION } from "../../../operator/api/annotations.ts";
import { KubeApiError, type KubeObject } from "../../../operator/kube/client.ts";
import type { ResourceStatus } from "../../../operator/pipeline/status.ts";
import { type InMemoryOperator, startInMemoryOperator } from "../../support/in-memory-operator.ts";

const DETECTOR = "RoiDetectorTraining";
const STATUS = "PATCH /apis/mammoflow.io/v1alpha1/namespaces/ns/roidetectortrainings/det/status";
const EXPORT_JOB = "det-roidet-export-onnx";
const REFUSAL = `Job.batch "${EXPORT_JOB}" is invalid: denied by the admission webhook of the test`;

const detector = (annotations: Record<string, string> = {}) => ({
  kind: DETECTOR,
  metadata: { name: "det", annotations },
  spec: { source: "Trained", checkpoint: "assets/trained/det.pth" },
});

let operator: InMemoryOperator;
/** Whether the API server refuses Jobs now, and the Job creates it refused. */
let refusing = true;
let refused: string[] = [];

beforeEach(async () => {
  operator = await startInMemoryOperator();
  refusing = true;
  refused = [];
  const request = operator.api.request.bind(operator.api);
  operator.api.request = (async (method: string, path: string, options?: object) => {
    if (refusing && method === "POST" && path.endsWith("/jobs")) {
      refused.push(`${method} ${path} ${(options as { body?: KubeObject } | undefined)?.body?.metadata.name}`);
      throw new KubeApiError(422, "Invalid", REFUSAL);
    }
    return request(method, path, options as never);
  }) as typeof operator.api.request;
});

afterEach(async () => {
  await operator.stop();
});

describe("a stage whose Job the API server refuses", () => {
  it("fails with StageRejected and the server's words, and is not tried again until a retry", async () => {
    await operator.apply(detector() as never);
    const writes = await operator.settle();
    expect(writes.at(-1)).toBe(STATUS);
    expect(writes.some((w) => w.includes("/jobs"))).toBe(false);
    expect(refused).toEqual([`POST /apis/batch/v1/namespaces/ns/jobs ${EXPORT_JOB}`]);
    const status = (await operator.resource(DETECTOR, "det")).status as ResourceStatus;
    const message = `stage export-onnx failed (JobRejected): the API server refused the objects of stage export-onnx (Job ${EXPORT_JOB}) (422 Invalid): ${REFUSAL}`;
    expect(status.phase).toBe("Failed");
    expect(status.conditions?.filter((c) => c.status === "True").map((c) => [c.type, c.reason, c.message])).toEqual([
      ["Failed", "StageRejected", message],
    ]);
    expect(status.stages?.map((s) => [s.name, s.phase])).toEqual([["export-onnx", "Failed"]]);
    expect(operator.events("StageRejected")).toEqual([`Warning StageRejected ${DETECTOR}/det: ${REFUSAL}`]);
    expect(operator.jobs()).toEqual([]);

    // Resyncs change nothing and try nothing.
    await operator.apply(detector() as never);
    expect(await operator.settle()).toEqual([]);
    expect(refused).toHaveLength(1);

    // The server accepts it now; a new value of the retry annotation starts the stage again.
    refusing = false;
    await operator.apply(detector({ [RETRY_ANNOTATION]: "1" }) as never);
    await operator.settle();
    const retried = (await operator.resource(DETECTOR, "det")).status as ResourceStatus;
    expect([retried.phase, retried.observedRetry]).toEqual(["Running", "1"]);
    expect(operator.jobs().map((j) => j.metadata.name)).toEqual([EXPORT_JOB]);
  });
});
