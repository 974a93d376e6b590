import { cp, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dicomFile } from "../../support/dicom-builder.ts";
import { runMammoflow } from "../../support/mammoflow-cli.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");

// A rebuild of the whole tree (esbuild) takes seconds on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

// From another folder: the command works from any folder.
const run = (root: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  runMammoflow(args, { root, env, cwd: tmpdir() });

/** A copy of what the command needs (bin, the builder, the sources), sharing node_modules; no build yet. */
async function checkoutCopy(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "mammoflow-build-"));
  for (const part of ["bin", "scripts/build-js.js", "cli", "operator", "jobs/ts", "jobs/contract", "package.json"]) {
    await cp(path.join(REPO, part), path.join(root, part), { recursive: true });
  }
  await symlink(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

describe("bin/mammoflow.js runs the compiled build, and never a stale one (on a copy of the checkout)", () => {
  let root: string;
  const mainSource = () => path.join(root, "cli/main.ts");
  const mainBuilt = () => path.join(root, "build/js/cli/main.js");
  beforeAll(async () => {
    root = await checkoutCopy();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("builds build/js on the first start, then runs it", async () => {
    const { code, stdout } = await run(root, ["--version"]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(await readFile(path.join(root, "package.json"), "utf8")).version);
    expect(await readFile(mainBuilt(), "utf8")).toContain('from "./decode.js"');
  });

  it("rebuilds when a source changed, so the change is what runs", async () => {
    const source = await readFile(mainSource(), "utf8");
    await writeFile(mainSource(), source.replace("Runs the RSNA 2023", "Runs (edited) the RSNA 2023"));
    const { code, stdout } = await run(root, ["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Runs (edited) the RSNA 2023");
  });

  it("does not rebuild for a source touched but unchanged", async () => {
    const before = (await stat(mainBuilt())).mtimeMs;
    const later = new Date(Date.now() + 5_000);
    await utimes(mainSource(), later, later);
    expect((await run(root, ["--version"])).code).toBe(0);
    expect((await stat(mainBuilt())).mtimeMs).toBe(before);
  });

  it("removes the output of a deleted source", async () => {
    const orphan = path.join(root, "jobs/ts/platform/orphan.ts");
    await writeFile(orphan, "export const orphan = 1;\n");
    expect((await run(root, ["--version"])).code).toBe(0);
    await expect(stat(path.join(root, "build/js/jobs/ts/platform/orphan.js"))).resolves.toBeDefined();
    await rm(orphan);
    expect((await run(root, ["--version"])).code).toBe(0);
    await expect(stat(path.join(root, "build/js/jobs/ts/platform/orphan.js"))).rejects.toThrow();
  });

  it("refuses to run when a changed source does not compile, naming it, and keeps refusing", async () => {
    const source = await readFile(mainSource(), "utf8");
    await writeFile(mainSource(), `${source}\nexport const broken = ;\n`);
    for (let i = 0; i < 2; i++) {
      const { code, stdout, stderr } = await run(root, ["--version"]);
      expect(code).toBe(1);
      expect(stdout).toBe("");
      expect(stderr).toContain("build/js does not match the TypeScript sources");
      expect(stderr).toContain("cli/main.ts");
    }
    await writeFile(mainSource(), source);
    expect((await run(root, ["--version"])).code).toBe(0);
  });

  it("several commands starting at once after a change all run the new build (one builds, the others wait)", async () => {
    const source = await readFile(mainSource(), "utf8");
    await writeFile(mainSource(), source.replace("print the version", "print the version (parallel)"));
    const results = await Promise.all(Array.from({ length: 3 }, () => run(root, ["--help"])));
    for (const r of results) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("print the version (parallel)");
    }
  });

  it("starts decode workers from their bundle, and refuses a worker module that reads import.meta, naming it", async () => {
    const bundle = path.join(root, "build/js/jobs/ts/dicom/batch/worker.bundle.cjs");
    const code = await readFile(bundle, "utf8");
    // The directive must come first, or the ES modules inside would run in sloppy mode.
    expect(code.startsWith('"use strict";\n')).toBe(true);
    expect(code).toContain("__appRootModuleUrl");
    const render = path.join(root, "jobs/ts/dicom/batch/render.ts");
    const source = await readFile(render, "utf8");
    await writeFile(render, `${source}\nexport const here = import.meta.url;\n`);
    const refused = await run(root, ["--version"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "cannot bundle the worker jobs/ts/dicom/batch/worker: jobs/ts/dicom/batch/render.ts reads import.meta",
    );
    await writeFile(render, source);
    expect((await run(root, ["--version"])).code).toBe(0);
  });

  it("runs the build as it is where the sources are not shipped (the images), each image without the other's code", async () => {
    for (const part of ["cli", "operator", "jobs", "scripts"]) await rm(path.join(root, part), { recursive: true });
    // The stage image: no operator/ at all.
    await cp(path.join(root, "build/js"), path.join(root, "build/js-all"), { recursive: true });
    await rm(path.join(root, "build/js/operator"), { recursive: true });
    const stage = await run(root, ["stage", "--list"]);
    expect(stage.code, stage.stderr).toBe(0);
    expect(stage.stdout).toContain("prepare-dataset");
    expect((await run(root, ["stage", "--help"])).code).toBe(0);
    // The operator image: no jobs/ts. The operator starts as far as its kubeconfig, which is missing.
    await rm(path.join(root, "build/js"), { recursive: true });
    await cp(path.join(root, "build/js-all"), path.join(root, "build/js"), { recursive: true });
    await rm(path.join(root, "build/js/jobs/ts"), { recursive: true });
    expect((await run(root, ["--help"])).code).toBe(0);
    const missing = path.join(root, "no-kubeconfig");
    const operator = await run(root, ["operator", "--kubeconfig", missing]);
    expect(operator.stderr).toBe(
      `mammoflow: cannot open ${missing}: no such file or folder\nmammoflow: (--debug shows where)\n`,
    );
    expect(operator.code).toBe(1);
  });
});

/** A module-loading hook that appends every loaded URL to $MAMMOFLOW_LOADED (main thread and workers). */
const LOAD_HOOKS = `
import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(process.env.MAMMOFLOW_LOADED, url + "\\n");
  return next(url, context);
}`;

describe("each command loads only the packages it uses", () => {
  let dir: string;
  let dicom: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mammoflow-loads-"));
    await writeFile(path.join(dir, "hooks.mjs"), LOAD_HOOKS);
    await writeFile(
      path.join(dir, "register.mjs"),
      `import { register } from "node:module"; register(${JSON.stringify(`file://${dir}/hooks.mjs`)});`,
    );
    dicom = path.join(dir, "image.dcm");
    await writeFile(
      dicom,
      dicomFile()
        .rows(6)
        .columns(8)
        .pixels16(Array.from({ length: 48 }, (_, i) => i))
        .build(),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The npm packages a run of the command loaded. */
  async function packagesLoadedBy(...args: string[]): Promise<Set<string>> {
    const log = path.join(dir, `loaded-${args[0]}.txt`);
    await writeFile(log, "");
    const { code, stderr } = await run(REPO, args, {
      MAMMOFLOW_LOADED: log,
      NODE_OPTIONS: `--import ${path.join(dir, "register.mjs")}`,
    });
    expect(code, stderr).toBe(0);
    const urls = (await readFile(log, "utf8")).split("\n");
    return new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
  }

  const heavy = ["onnxruntime-node", "@techstark/opencv-js", "sharp", "@kubernetes/client-node", "pino", "prom-client"];

  it("--help and stage --help: the argument parser only", async () => {
    expect([...(await packagesLoadedBy("--help"))]).toEqual(["commander"]);
    expect([...(await packagesLoadedBy("stage", "--help"))]).toEqual(["commander"]);
  });

  it("validate: the schemas and YAML, none of the runtimes", async () => {
    const loaded = await packagesLoadedBy("validate", path.join(REPO, "crds/samples/demo.yaml"));
    expect(loaded).toContain("zod");
    for (const name of heavy) expect(loaded).not.toContain(name);
  });

  it("decode: the DICOM reader, not sharp (its PNGs are node:zlib's), ONNX Runtime, OpenCV, the Kubernetes client or the schemas", async () => {
    const loaded = await packagesLoadedBy("decode", dicom, "--out", path.join(dir, "png"));
    expect(loaded).toContain("dicom-parser");
    for (const name of ["sharp", "onnxruntime-node", "@techstark/opencv-js", "@kubernetes/client-node", "zod"]) {
      expect(loaded).not.toContain(name);
    }
  });
});
