import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { copySources, imageContentHash } from "../../../scripts/images/context-hash.ts";
import { dockerignoreMatcher } from "../../../scripts/images/dockerignore.ts";
import { imageSpecs, productionNodeVersion } from "../../../scripts/images/images.ts";
import { type BuiltImage, readBuiltImages, recordBuiltImages } from "../../../scripts/images/manifest.ts";
import { packageOf, sourceImports } from "../../support/source-imports.ts";

function tempContext(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mammoflow-context-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe("dockerignoreMatcher", () => {
  const dir = tempContext({ ".dockerignore": "**/node_modules\n.venv\n**/*.tmp-*\ndocs\n!docs/keep.md\n# comment\n" });
  const excluded = dockerignoreMatcher(dir);

  it("applies the patterns as podman does", () => {
    expect(excluded("node_modules/x/index.js")).toBe(true);
    expect(excluded("jobs/ts/node_modules/x.js")).toBe(true);
    expect(excluded(".venv/bin/python")).toBe(true);
    expect(excluded("jobs/.venv/bin/python")).toBe(false);
    expect(excluded("build/native/a.node.tmp-12")).toBe(true);
    expect(excluded("docs/a.md")).toBe(true);
    expect(excluded("docs/keep.md")).toBe(false);
    expect(excluded("cli/main.ts")).toBe(false);
  });
});

describe("copySources: each image copies only the code it runs", () => {
  it("the stage-ts image: cli/, jobs/ts and jobs/contract, not operator/", () => {
    expect(copySources(readFileSync("docker/stage-ts.Dockerfile", "utf8"))).toEqual([
      "assets/data",
      "bin",
      "cli",
      "jobs/contract",
      "jobs/ts",
      "jobs/ts/dicom/codecs/native",
      "package-lock.json",
      "package.json",
      "scripts/build-js.js",
      "scripts/build-native.sh",
    ]);
  });

  it("the operator image: cli/, operator/ and jobs/contract, not jobs/ts", () => {
    expect(copySources(readFileSync("docker/operator.Dockerfile", "utf8"))).toEqual([
      "bin",
      "cli",
      "jobs/contract",
      "operator",
      "package-lock.json",
      "package.json",
      "scripts/build-js.js",
    ]);
  });
});

describe("the operator image's packages (OPERATOR_PACKAGES; the others are pruned)", () => {
  const dockerfile = readFileSync("docker/operator.Dockerfile", "utf8");
  const declared = (/^ARG OPERATOR_PACKAGES="([^"]*)"/m.exec(dockerfile)?.[1] ?? "").split(" ").filter(Boolean);
  const dependencies = Object.keys(JSON.parse(readFileSync("package.json", "utf8")).dependencies);

  it("are the packages that cli/, operator/ and jobs/contract import (operator/codegen runs only in a checkout)", () => {
    const imported = new Set(
      sourceImports(["cli", "operator", "jobs/contract"])
        .filter((i) => !i.file.startsWith("operator/codegen/"))
        .flatMap((i) => packageOf(i.specifier) ?? []),
    );
    expect(declared).toEqual([...imported].sort());
  });

  it("are production dependencies, and ONNX Runtime and the codecs are not among them", () => {
    for (const name of declared) expect(dependencies).toContain(name);
    for (const stageOnly of ["onnxruntime-node", "sharp", "@techstark/opencv-js", "dicom-parser"]) {
      expect(dependencies).toContain(stageOnly);
      expect(declared).not.toContain(stageOnly);
    }
  });
});

describe("imageContentHash", () => {
  const dir = tempContext({
    Dockerfile: "FROM $BASE\nCOPY app ./app\nCOPY --from=other /x /x\n",
    ".dockerignore": "**/cache\n",
    "app/main.js": "1",
    "app/cache/x": "1",
    "other/file": "1",
  });
  const inputs = { contextDir: dir, dockerfile: "Dockerfile", buildArgs: { BASE: "b" }, baseIds: { BASE: "id1" } };
  const first = imageContentHash(inputs);

  it("covers the copied files only (after .dockerignore)", () => {
    expect(first.files).toBe(1);
    writeFileSync(path.join(dir, "app/cache/x"), "2");
    writeFileSync(path.join(dir, "other/file"), "2");
    expect(imageContentHash(inputs).hash).toBe(first.hash);
  });

  it("changes with a copied file, its mode, a build argument or a base image", () => {
    writeFileSync(path.join(dir, "app/main.js"), "2");
    const changed = imageContentHash(inputs).hash;
    expect(changed).not.toBe(first.hash);
    chmodSync(path.join(dir, "app/main.js"), 0o755);
    expect(imageContentHash(inputs).hash).not.toBe(changed);
    expect(imageContentHash({ ...inputs, buildArgs: { BASE: "c" } }).hash).not.toBe(first.hash);
    expect(imageContentHash({ ...inputs, baseIds: { BASE: "id2" } }).hash).not.toBe(first.hash);
  });
});

describe("imageSpecs (the local builds)", () => {
  it.each(imageSpecs({ withTensorrt: false }))("$name passes only build arguments its Dockerfile declares", (spec) => {
    const declared = readFileSync(spec.dockerfile, "utf8")
      .split("\n")
      .flatMap((line) => /^ARG\s+(\w+)/.exec(line)?.[1] ?? []);
    for (const name of [...Object.keys(spec.bases), ...Object.keys(spec.args)]) expect(declared).toContain(name);
  });

  it("takes the Node version of the production base", () => {
    expect(productionNodeVersion()).toMatch(/^22\.\d+\.\d+$/);
  });
});

describe("the images manifest", () => {
  it("records built images by name and reads them back", () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "mammoflow-manifest-")), "images.json");
    expect(readBuiltImages(file)).toEqual({});
    const image: BuiltImage = {
      name: "operator",
      ref: "localhost/mammoflow/operator:0123456789abcdef",
      repository: "localhost/mammoflow/operator",
      tag: "0123456789abcdef",
      contentHash: "0123456789abcdef".repeat(4),
      imageId: "f".repeat(64),
      sizeBytes: 1,
      dockerfile: "docker/operator.Dockerfile",
      buildArgs: { NODE_IMAGE: "localhost/mammoflow-base/node:22.21.1-bookworm" },
      builtAt: "2025-01-01T00:00:00.000Z",
    };
    recordBuiltImages([image], file);
    recordBuiltImages([{ ...image, name: "stage-ts" }], file);
    expect(Object.keys(readBuiltImages(file)).sort()).toEqual(["operator", "stage-ts"]);
    expect(readBuiltImages(file).operator).toEqual(image);
  });
});
