import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const execFileAsync = promisify(execFile);

async function mammoflow(...args: string[]) {
  try {
    const { stdout, stderr } = await execFileAsync("node", ["bin/mammoflow.js", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

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

  it.each([
    [["predict"], "error: required option '--csv' not specified", "predict"],
    [
      [
        "predict",
        "--provider",
        "gpu",
        "--csv",
        "x",
        "--images",
        "y",
        "--detector",
        "d",
        "--classifier",
        "c",
        "--out",
        "o",
      ],
      "error: unknown execution provider 'gpu' (cpu, cuda, tensorrt or auto)",
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

  it("an unknown command fails with usage", async () => {
    const { code, stderr } = await mammoflow("frobnicate");
    expect(code).toBe(1);
    expect(stderr).toContain("unknown command 'frobnicate'");
  });
});
