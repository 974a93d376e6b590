// Invalid manifests are refused by the API server itself (OpenAPI schema + CEL rules of the
// generated CRDs), with messages a person understands; no operator is involved there. What the
// API server accepts but the operator cannot act on (a GPU pool its configuration lacks) gets an
// InvalidSpec status from the operator, whatever the kind.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApiError, type KubeClient } from "../../operator/kube/client.ts";
import {
  adminClient,
  condition,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  listResources,
} from "./support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { waitFor } from "./support/wait.ts";

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

  it("a ClassifierFold whose model timm does not build (the architecture rule's long pattern runs in the API server's CEL)", async () => {
    const error = await refusal(
      createResource(admin, ns, "ClassifierFold", "bad-model", {
        dataset: { name: "d" },
        fold: 0,
        model: { architecture: "convnext_smal.fb_in22k_ft_in1k_384" },
      }),
    );
    expect(error.statusCode).toBe(422);
    expect(error.message).toContain(
      'ClassifierFold.mammoflow.io "bad-model" is invalid: spec.model.architecture: Invalid value: "convnext_smal.fb_in22k_ft_in1k_384": model.architecture must be a ConvNeXt timm builds, optionally with one of its pretrained tags',
    );
    // The seed's own architecture with its pretrained tag is accepted.
    await createResource(admin, ns, "ClassifierFold", "seed-model", {
      dataset: { name: "d" },
      fold: 0,
      model: { architecture: "convnext_small.fb_in22k_ft_in1k_384" },
    });
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

describe("the operator marks a spec it cannot act on InvalidSpec", () => {
  let admin: KubeClient;
  let ns: string;
  let operator: OperatorProcess;
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "invalidspec");
    operator = startOperatorProcess({ kubeconfig: kubeconfigPath(), namespace: ns });
  });
  afterAll(async () => {
    await operator?.stop();
    await deleteNamespace(admin, ns);
  });

  it("a Reproduction in a GPU pool the configuration lacks fails with reason InvalidSpec and creates nothing", async () => {
    await createResource(admin, ns, "Reproduction", "elsewhere", { placement: { gpuPool: "h100" } });
    const failed = await waitFor("Reproduction/elsewhere to fail", async () => {
      const r = await getResource(admin, ns, "Reproduction", "elsewhere");
      return r.status?.phase === "Failed" ? r : undefined;
    });
    const message = 'GPU pool "h100" is not in the operator configuration';
    expect(condition(failed, "Failed")).toMatchObject({ status: "True", reason: "InvalidSpec", message });
    expect(condition(failed, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec", message });
    expect(failed.status?.observedGeneration).toBe(1);
    expect(await listResources(admin, ns, "RoiDetectorTraining")).toEqual([]);
  });

  it("so does a RoiDetectorTraining in that pool", async () => {
    await createResource(admin, ns, "RoiDetectorTraining", "elsewhere", {
      source: "Trained",
      checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth",
      placement: { gpuPool: "h100" },
    });
    const failed = await waitFor("RoiDetectorTraining/elsewhere to fail", async () => {
      const r = await getResource(admin, ns, "RoiDetectorTraining", "elsewhere");
      return r.status?.phase === "Failed" ? r : undefined;
    });
    expect(condition(failed, "Failed")).toMatchObject({
      status: "True",
      reason: "InvalidSpec",
      message: 'GPU pool "h100" is not in the operator configuration',
    });
  });
});
