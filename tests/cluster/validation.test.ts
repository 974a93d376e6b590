// Invalid manifests are refused by the API server itself (OpenAPI schema + CEL rules of the
// generated CRDs), with messages a person understands; no operator is involved there. What the
// API server accepts but the operator cannot act on (a GPU pool its configuration lacks) gets an
// InvalidSpec status from the operator, whatever the kind.
import { describe, expect, it } from "vitest";
import { condition } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { refusal } from "./support/refusal.ts";

const refused = (request: Promise<unknown>) => refusal(request, "the API server accepted an invalid manifest");

describe("the API server refuses invalid manifests", () => {
  const cluster = useClusterNamespace("invalid");

  it("a ClassifierFold whose fold is not below numFolds", async () => {
    const error = await refused(
      cluster.create("ClassifierFold", "bad-fold", { dataset: { name: "d" }, fold: 4, numFolds: 4 }),
    );
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      'ClassifierFold.mammoflow.io "bad-fold" is invalid: spec.fold: Invalid value: fold must be smaller than numFolds',
    );
  });

  it("a ClassifierFold whose model timm does not build (the architecture rule's long pattern runs in the API server's CEL)", async () => {
    const error = await refused(
      cluster.create("ClassifierFold", "bad-model", {
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
    await cluster.create("ClassifierFold", "seed-model", {
      dataset: { name: "d" },
      fold: 0,
      model: { architecture: "convnext_small.fb_in22k_ft_in1k_384" },
    });
  });

  it("a Trained RoiDetectorTraining without a checkpoint", async () => {
    const error = await refused(cluster.create("RoiDetectorTraining", "no-ckpt", { source: "Trained" }));
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      'RoiDetectorTraining.mammoflow.io "no-ckpt" is invalid: spec.checkpoint: Invalid value: a Trained detector needs spec.checkpoint (e.g. assets/trained/yolox_nano_416_roi_torch.pth)',
    );
  });

  it("an EngineBuild from Folds without folds", async () => {
    const error = await refused(cluster.create("EngineBuild", "no-folds", { source: "Folds" }));
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      'EngineBuild.mammoflow.io "no-folds" is invalid: spec.folds: Invalid value: an EngineBuild with source Folds needs at least one entry in spec.folds',
    );
  });

  it("a path that escapes the storage root, and an unknown mode", async () => {
    const escaping = await refused(
      cluster.create("RoiDetectorTraining", "escape", { source: "Trained", checkpoint: "../etc/passwd" }),
    );
    expect(escaping.message).toBe(
      'RoiDetectorTraining.mammoflow.io "escape" is invalid: spec.checkpoint: Invalid value: "../etc/passwd": must be relative to the storage root and must not contain \'..\'',
    );
    const mode = await refused(cluster.create("Reproduction", "mode", { mode: "Quick" }));
    expect(mode.message).toContain(
      'spec.mode: Unsupported value: "Quick": supported values: "Trained", "PartialReproduce", "FullReproduce"',
    );
  });
});

describe("the operator marks a spec it cannot act on InvalidSpec", () => {
  const cluster = useClusterNamespace("invalidspec").withOperator();

  it("a Reproduction in a GPU pool the configuration lacks fails with reason InvalidSpec and creates nothing", async () => {
    await cluster.create("Reproduction", "elsewhere", { placement: { gpuPool: "h100" } });
    const failed = await cluster.untilPhase("Reproduction", "elsewhere", "Failed");
    const message = 'GPU pool "h100" is not in the operator configuration';
    expect(condition(failed, "Failed")).toMatchObject({ status: "True", reason: "InvalidSpec", message });
    expect(condition(failed, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec", message });
    expect(failed.status?.observedGeneration).toBe(1);
    expect(await cluster.list("RoiDetectorTraining")).toEqual([]);
  });

  it("so does a RoiDetectorTraining in that pool", async () => {
    await cluster.create("RoiDetectorTraining", "elsewhere", {
      source: "Trained",
      checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth",
      placement: { gpuPool: "h100" },
    });
    const failed = await cluster.untilPhase("RoiDetectorTraining", "elsewhere", "Failed");
    expect(condition(failed, "Failed")).toMatchObject({
      status: "True",
      reason: "InvalidSpec",
      message: 'GPU pool "h100" is not in the operator configuration',
    });
  });
});
