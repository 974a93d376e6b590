import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { dicomFile } from "../../support/dicom-builder.ts";
import { mammoflow, runMammoflow } from "../../support/mammoflow-cli.ts";

const mammoflowWith = (env: NodeJS.ProcessEnv, ...args: string[]) => runMammoflow(args, { env });

describe("mammoflow CLI", () => {
  it("--help lists the commands", async () => {
    const { code, stdout } = await mammoflow("--help");
    expect(code).toBe(0);
    for (const command of ["generate", "validate", "run"])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });

  it("validate accepts the samples", async () => {
    const samples = (await readdir("crds/samples")).filter((f) => f.endsWith(".yaml"));
    const { code, stdout } = await mammoflow("validate", ...samples.map((f) => path.join("crds/samples", f)));
    expect(code).toBe(0);
    expect(stdout).toContain("ok      Reproduction/rsna-full");
  });

  it("validate names the document, the resource and the field of every error, and exits 2", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-cli-"));
    const file = path.join(dir, "bad.yaml");
    await writeFile(
      file,
      [
        "apiVersion: mammoflow.io/v1alpha1",
        "kind: ClassifierFold",
        "metadata: {name: f}",
        "spec: {dataset: {name: d}, fold: 5}",
        "---",
        "apiVersion: mammoflow.io/v1alpha1",
        "kind: Trainer",
        "metadata: {name: t}",
        "---",
        "apiVersion: mammoflow.io/v1alpha1",
        "kind: Submission",
        "metadata: {name: s}",
        "spec: {detector: {name: d}, engine: {name: e}, aggregation: {threshold: 1.5}}",
      ].join("\n"),
    );
    const { code, stderr } = await mammoflow("validate", file);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}#1 (ClassifierFold/f)`);
    expect(stderr).toContain("fold must be smaller than numFolds");
    expect(stderr).toContain(`${file}#2: unknown kind "Trainer"`);
    expect(stderr).toMatch(/#3 \(Submission\/s\): [\s\S]*→ at spec\.aggregation\.threshold/);
  });

  it("validate refuses a misspelt field with the closest known name, and a name Kubernetes would refuse", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-cli-"));
    const file = path.join(dir, "typo.yaml");
    await writeFile(
      file,
      [
        "apiVersion: mammoflow.io/v1alpha1",
        "kind: Submission",
        "metadata: {name: Bad_Name, labels: {team: a}}",
        "spec: {detector: {name: d}, engine: {name: e}, aggregaton: {threshold: 0.5}, placement: {gpuPol: a100}}",
      ].join("\n"),
    );
    const { code, stdout, stderr } = await mammoflow("validate", file);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(`invalid ${file} (Submission/Bad_Name): metadata.name "Bad_Name": must be 1 to 63`);
    expect(stderr).toContain('spec.aggregaton: unknown field (did you mean "aggregation"?)');
    expect(stderr).toContain('spec.placement.gpuPol: unknown field (did you mean "gpuPool"?)');
    // metadata is passed through: labels and the server's own fields are not typos.
    expect(stderr).not.toContain("metadata.labels");
  });

  it("run refuses an unknown --only target before running anything", async () => {
    const { code, stderr } = await mammoflow("run", "crds/samples/demo.yaml", "--only", "Submission/other");
    expect(code).toBe(2);
    expect(stderr).toContain("--only Submission/other: no such resource (known: RoiDetectorTraining/demo-detector");
  });

  it("--version prints the package's version", async () => {
    const { code, stdout } = await mammoflow("--version");
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(JSON.parse(await readFile("package.json", "utf8")).version);
  });

  /** `predict` with every required option and `flags` before them. */
  const predictWith = (...flags: string[]) => [
    "predict",
    ...flags,
    ...["--csv", "x", "--images", "y", "--detector", "d", "--classifier", "c", "--out", "o"],
  ];
  it.each([
    [["predict"], "error: required option '--csv' not specified", "predict"],
    [
      predictWith("--provider", "gpu"),
      "error: unknown execution provider 'gpu' (cpu, cuda, tensorrt or auto)",
      "predict",
    ],
    [
      predictWith("--detector-precision", "fp16"),
      "error: --detector-precision fp16 needs --provider tensorrt (or auto on a TensorRT host): the cpu provider runs the detector's float32 graph",
      "predict",
    ],
    [
      predictWith("--detector-precision", "half"),
      "error: --detector-precision half is not auto, fp32 or fp16",
      "predict",
    ],
    [
      ["evaluate", "--probs", "a", "--labels", "b", "--threshold", "2"],
      "error: --threshold 2 is not in [0, 1]",
      "evaluate",
    ],
  ])("a usage error of %j prints the message and where the usage is, and exits 2", async (args, message, command) => {
    const { code, stdout, stderr } = await mammoflow(...args);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(`${message}\n(mammoflow ${command} --help shows the usage)\n`);
  });

  it("an unreadable kubeconfig is one line naming the file, not a stack trace; --debug adds the stack", async () => {
    const plain = await mammoflow("operator", "--kubeconfig", "/nonexistent/kubeconfig");
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(
      "mammoflow: cannot open /nonexistent/kubeconfig: no such file or folder\nmammoflow: (--debug shows where)\n",
    );
    const debug = await mammoflow("operator", "--kubeconfig", "/nonexistent/kubeconfig", "--debug");
    expect(debug.stderr).toMatch(
      /^mammoflow: cannot open \/nonexistent\/kubeconfig[^\n]*\nError: ENOENT[\s\S]*\n\s+at /,
    );
  });

  it("validate -o json|yaml prints one document on stdout with every resource, and the same values in both", async () => {
    const json = await mammoflow("validate", "crds/samples/demo.yaml", "-o", "json");
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    const expected = {
      valid: true,
      resources: [
        { kind: "RoiDetectorTraining", name: "demo-detector" },
        { kind: "EngineBuild", name: "demo-ensemble" },
        { kind: "Submission", name: "demo" },
      ],
      skipped: [],
      invalid: [],
    };
    expect(JSON.parse(json.stdout)).toEqual(expected);
    const yaml = await mammoflow("validate", "crds/samples/demo.yaml", "--output", "yaml");
    expect(yaml.code).toBe(0);
    expect(parseYaml(yaml.stdout)).toEqual(expected);
  });

  it("validate -o json of an invalid manifest: the errors in the document and on stderr, exit 2", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-cli-"));
    const file = path.join(dir, "bad.yaml");
    await writeFile(file, "apiVersion: mammoflow.io/v1alpha1\nkind: Trainer\nmetadata: {name: t}\n");
    const { code, stdout, stderr } = await mammoflow("validate", file, "-o", "json");
    expect(code).toBe(2);
    const message = `${file}: unknown kind "Trainer"; expected one of Reproduction, RoiDetectorTraining, ClassificationDataset, ClassifierFold, EngineBuild, Submission`;
    expect(JSON.parse(stdout)).toEqual({ valid: false, resources: [], skipped: [], invalid: [message] });
    expect(stderr).toBe(`invalid ${message}\n`);
  });

  it("evaluate -o json|yaml prints the exact metrics; --json stays the same as -o json", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-cli-"));
    const probs = path.join(dir, "probs.csv");
    const labels = path.join(dir, "labels.csv");
    await writeFile(probs, "prediction_id,probability\n1_L,0.9\n1_R,0.1\n2_L,0.6\n2_R,0.2\n");
    await writeFile(labels, "prediction_id,cancer\n1_L,1\n1_R,0\n2_L,0\n2_R,0\n");
    // One positive (0.9) and one false positive above 0.31 (0.6): pF1 = 2·(0.9/1.8)·(0.9/1)/(0.5+0.9).
    const expected = {
      breasts: 4,
      positives: 1,
      pF1: (2 * 0.5 * 0.9) / 1.4,
      f1AtThreshold: 2 / 3,
      threshold: 0.31,
      bestF1: 1,
      bestThreshold: 0.6,
      auc: 1,
    };
    for (const args of [["-o", "json"], ["--json"], ["--output", "yaml"]]) {
      const { code, stdout, stderr } = await mammoflow("evaluate", "--probs", probs, "--labels", labels, ...args);
      expect(code, stderr).toBe(0);
      const metrics = args[1] === "yaml" ? parseYaml(stdout) : JSON.parse(stdout);
      expect(Object.keys(metrics).sort()).toEqual(Object.keys(expected).sort());
      for (const [key, value] of Object.entries(expected)) expect(metrics[key]).toBeCloseTo(value, 12);
    }
  });

  it("stage --list -o json|yaml lists the TypeScript stages", async () => {
    const expected = { stages: ["aggregate", "check-inputs", "predict", "prepare-dataset", "roi-images"] };
    expect(JSON.parse((await mammoflow("stage", "--list", "-o", "json")).stdout)).toEqual(expected);
    expect(parseYaml((await mammoflow("stage", "--list", "-o", "yaml")).stdout)).toEqual(expected);
    expect((await mammoflow("stage", "--list")).stdout).toBe(`${expected.stages.join("\n")}\n`);
  });

  it("decode -o yaml summarises the batch on stdout", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-cli-"));
    const input = path.join(dir, "1.dcm");
    await writeFile(
      input,
      dicomFile()
        .rows(6)
        .columns(8)
        .pixels16(Array.from({ length: 48 }, (_, i) => i))
        .build(),
    );
    const out = path.join(dir, "png");
    const { code, stdout, stderr } = await mammoflow("decode", input, "--out", out, "--workers", "1", "-o", "yaml");
    expect(code, stderr).toBe(0);
    const summary = parseYaml(stdout);
    expect(summary).toEqual({
      total: 1,
      written: 1,
      out,
      mode: "window",
      workers: 1,
      seconds: summary.seconds,
      failures: [],
    });
    expect(summary.seconds).toBeGreaterThanOrEqual(0);
  });

  it.each([
    ["validate", "crds/samples/demo.yaml"],
    ["run", "crds/samples/demo.yaml"],
    ["stage", "--list"],
    ["evaluate", "--probs", "a", "--labels", "b"],
    ["decode", "x.dcm", "--out", "o"],
    ["predict", ...["--csv", "x", "--images", "y", "--detector", "d", "--classifier", "c", "--out", "o"]],
  ])("an unknown -o format of %s is a usage error before any work (exit 2)", async (command, ...args) => {
    const { code, stdout, stderr } = await mammoflow(command, ...args, "-o", "xml");
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `error: --output xml is not one of text, json, yaml\n(mammoflow ${command} --help shows the usage)\n`,
    );
  });

  it("run of the trained sample without a GPU plans no TensorRT build and says so in one line per engine", async () => {
    const storage = await mkdtemp(path.join(tmpdir(), "mammoflow-cli-"));
    const note =
      "no GPU: RoiDetectorTraining/rsna-trained-detector stays ONNX on the CPU (set tensorRT: true to build a TensorRT engine)\n" +
      "no GPU: EngineBuild/rsna-trained-engine stays ONNX on the CPU (set export.tensorRT: true to build a TensorRT engine)\n";
    // An empty storage root: the plan is made (and the note said), then the missing checkpoints stop the run.
    const cpu = await mammoflowWith(
      { MAMMOFLOW_LOCAL_GPU: "0" },
      ...["run", "crds/samples/reproduction-trained.yaml", "--storage", storage],
    );
    expect(cpu.code).toBe(2);
    expect(cpu.stdout).toBe(note);
    expect(cpu.stderr).toContain(
      "assets/trained/best_convnext_fold_0.pth.tar: read by EngineBuild/rsna-trained-engine",
    );
    const gpu = await mammoflowWith(
      { MAMMOFLOW_LOCAL_GPU: "1", MAMMOFLOW_LOCAL_TENSORRT: "0" },
      ...["run", "crds/samples/reproduction-trained.yaml", "--storage", storage],
    );
    expect(gpu.code).toBe(2);
    expect(gpu.stdout).toBe("");
    // A GPU without TensorRT: the engines the sample asks for are refused with the missing files.
    expect(gpu.stderr).toContain("and 1 setting(s) need a GPU or TensorRT this machine lacks; nothing was started:\n");
    expect(gpu.stderr).toContain(
      "  Reproduction/rsna-trained spec.engine.export.tensorRT: RoiDetectorTraining/rsna-trained-detector build-engine, EngineBuild/rsna-trained-engine build-engine need(s) TensorRT (the Python package tensorrt), which this machine lacks; set it to false (the ONNX model then runs on the CPU)\n",
    );
  });

  it("an unknown command fails with usage", async () => {
    const { code, stderr } = await mammoflow("frobnicate");
    expect(code).toBe(1);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });
});
