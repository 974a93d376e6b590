// Invalid manifests are refused by the API server itself (OpenAPI schema + CEL rules of the
// generated CRDs), with messages a person understands. No operator is involved.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApiError, type KubeClient } from "../../operator/kube/client.ts";
import { adminClient, createNamespace, createResource, deleteNamespace } from "./support/cluster.ts";

async function refusal(promise: Promise<unknown>): Promise<KubeApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
  throw new Error("the API server accepted an invalid manifest");
}

describe("the API server refuses invalid manifests", () => {
  let admin: KubeClient;
  let ns: string;
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "invalid");
  });
  afterAll(async () => deleteNamespace(admin, ns));

  it("a ClassifierFold whose fold is not below numFolds", async () => {
    const error = await refusal(
      createResource(admin, ns, "ClassifierFold", "bad-fold", { dataset: { name: "d" }, fold: 4, numFolds: 4 }),
    );
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      'ClassifierFold.mammoflow.io "bad-fold" is invalid: spec.fold: Invalid value: fold must be smaller than numFolds',
    );
  });

  it("a Trained RoiDetectorTraining without a checkpoint", async () => {
    const error = await refusal(createResource(admin, ns, "RoiDetectorTraining", "no-ckpt", { source: "Trained" }));
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      'RoiDetectorTraining.mammoflow.io "no-ckpt" is invalid: spec.checkpoint: Invalid value: a Trained detector needs spec.checkpoint (e.g. assets/trained/yolox_nano_416_roi_torch.pth)',
    );
  });

  it("an EngineBuild from Folds without folds", async () => {
    const error = await refusal(createResource(admin, ns, "EngineBuild", "no-folds", { source: "Folds" }));
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      'EngineBuild.mammoflow.io "no-folds" is invalid: spec.folds: Invalid value: an EngineBuild with source Folds needs at least one entry in spec.folds',
    );
  });

  it("a path that escapes the storage root, and an unknown mode", async () => {
    const escaping = await refusal(
      createResource(admin, ns, "RoiDetectorTraining", "escape", { source: "Trained", checkpoint: "../etc/passwd" }),
    );
    expect(escaping.message).toBe(
      'RoiDetectorTraining.mammoflow.io "escape" is invalid: spec.checkpoint: Invalid value: "../etc/passwd": must be relative to the storage root and must not contain \'..\'',
    );
    const mode = await refusal(createResource(admin, ns, "Reproduction", "mode", { mode: "Quick" }));
    expect(mode.message).toContain(
      'spec.mode: Unsupported value: "Quick": supported values: "Trained", "PartialReproduce", "FullReproduce"',
    );
  });
});
