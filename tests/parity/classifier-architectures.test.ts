import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  CLASSIFIER_ARCHITECTURES,
  isClassifierArchitecture,
} from "../../jobs/contract/parameters/classifier-architectures.ts";

const run = promisify(execFile);

// The names the API accepts for model.architecture are exactly those the stages' timm builds:
// its ConvNeXt architectures and the pretrained tags it knows for each (timm.create_model refuses
// any other name, and any other tag, in the stage). Read from the locked timm of the project's
// Python, so a timm upgrade that adds or drops one fails here until the table follows.
const REGISTRY = `
import json, timm
names = {name: [] for name in timm.list_models("convnext*")}
for tagged in timm.list_models("convnext*", pretrained=True):
    architecture, tag = tagged.split(".", 1)
    names[architecture].append(tag)
print(json.dumps(names))
`;

describe("classifier architectures the API accepts", () => {
  it("are timm's ConvNeXt registry, architecture by architecture and tag by tag", { timeout: 120_000 }, async () => {
    const python = process.env.MAMMOFLOW_PYTHON ?? ".venv/bin/python";
    const { stdout } = await run(python, ["-c", REGISTRY]);
    expect(CLASSIFIER_ARCHITECTURES).toEqual(JSON.parse(stdout));
  });

  it("take a name alone or with one of its own tags", () => {
    expect(isClassifierArchitecture("convnext_small.fb_in22k_ft_in1k_384")).toBe(true);
    expect(isClassifierArchitecture("convnext_atto")).toBe(true);
    expect(isClassifierArchitecture("convnext_atto_rms")).toBe(true);
    expect(isClassifierArchitecture("convnext_atto_rms.d2_in1k")).toBe(false);
    expect(isClassifierArchitecture("convnext_atto.")).toBe(false);
    expect(isClassifierArchitecture("constructor")).toBe(false);
    expect(isClassifierArchitecture("resnet50")).toBe(false);
  });
});
