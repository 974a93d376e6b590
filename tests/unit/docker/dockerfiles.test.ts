import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Instruction {
  keyword: string;
  args: string;
}

/** Dockerfile instructions with line continuations joined and comments dropped. */
function instructionsOf(file: string): Instruction[] {
  const joined = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
}

const cliCommands = execFileSync("node", ["bin/mammoflow.js", "--help"], { encoding: "utf8" })
  .split("\n")
  .map((line) => /^ {2}(\w[\w-]*)\b/.exec(line)?.[1])
  .filter((c): c is string => c !== undefined);

const dockerignore = readFileSync(".dockerignore", "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));

/** `ARG NAME=default` → [NAME, default] (quotes removed); `ARG NAME` → [NAME, undefined]. */
function argOf(args: string): [string, string | undefined] {
  const eq = args.indexOf("=");
  if (eq < 0) return [args.trim(), undefined];
  return [args.slice(0, eq), args.slice(eq + 1).replace(/^"(.*)"$/, "$1")];
}

/** The instructions of each build stage (the ones before the first FROM are stage -1's). */
function stagesOf(instructions: Instruction[]): Instruction[][] {
  const stages: Instruction[][] = [[]];
  for (const i of instructions) {
    if (i.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(i);
  }
  return stages;
}

/** Build arguments only a local build sets (production: unset, so the RUN steps do not see them). */
const unsetInProduction = new Set(["PIP_CONFIG_FILE"]);

// The Kubernetes Job builder runs `mammoflow stage NAME --request FILE` and `python -m
// mammoflow_jobs NAME --request FILE` as the container's command, which replaces the ENTRYPOINT.
const images = [
  { file: "docker/operator.Dockerfile", entrypoint: ["mammoflow"], cmd: ["operator"], command: "operator" },
  { file: "docker/stage-ts.Dockerfile", entrypoint: ["mammoflow"], cmd: ["stage", "--list"], command: "stage" },
  {
    file: "docker/stage-python.Dockerfile",
    entrypoint: ["python", "-m", "mammoflow_jobs"],
    cmd: ["--list"],
    command: undefined,
  },
];

describe.each(images)("$file", ({ file, entrypoint, cmd, command }) => {
  const instructions = instructionsOf(file);
  const stageNames = new Set(
    instructions.filter((i) => i.keyword === "FROM").flatMap((i) => /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? []),
  );
  const argDefaults = new Map(instructions.filter((i) => i.keyword === "ARG").map((i) => argOf(i.args)));

  it("pins every base image to a version", () => {
    for (const from of instructions.filter((i) => i.keyword === "FROM")) {
      const ref = from.args.split(/\s+/)[0] ?? "";
      if (stageNames.has(ref)) continue;
      const image = ref.replace(/^\$\{(\w+)\}$/, (_, name: string) => argDefaults.get(name) ?? "");
      expect(image, from.args).toMatch(/^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*$|@sha256:[0-9a-f]{64}$/);
    }
  });

  it("copies only files that exist and are not excluded by .dockerignore", () => {
    for (const copy of instructions.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect(existsSync(source), `${copy.args}: ${source}`).toBe(true);
        const top = source.split("/")[0];
        expect(dockerignore, `${source} is excluded`).not.toContain(top);
      }
    }
  });

  it("runs as a non-root user", () => {
    const users = instructions.filter((i) => i.keyword === "USER").map((i) => i.args);
    const last = users.at(-1) ?? "root";
    expect(last).not.toMatch(/^(root|0)(:|$)/);
    expect(last).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
  });

  it("enters through the program the operator's Job builder calls", () => {
    const entry = instructions.filter((i) => i.keyword === "ENTRYPOINT").at(-1);
    expect(JSON.parse(entry?.args ?? "[]")).toEqual(entrypoint);
    const lastCmd = instructions.filter((i) => i.keyword === "CMD").at(-1);
    expect(JSON.parse(lastCmd?.args ?? "[]")).toEqual(cmd);
    if (command) expect(cliCommands).toContain(command);
    if (entrypoint.includes("mammoflow_jobs")) {
      expect(existsSync("jobs/python/src/mammoflow_jobs/__main__.py")).toBe(true);
    }
  });

  it("gives every build argument a default (the production value), but those production leaves unset", () => {
    for (const [name, value] of argDefaults) {
      if (unsetInProduction.has(name)) expect(value, name).toBeUndefined();
      else expect(value, name).toBeTruthy();
    }
  });

  it("declares each build argument a RUN uses in that RUN's own stage", () => {
    const names = [...argDefaults.keys()];
    for (const stage of stagesOf(instructions).slice(1)) {
      const declared = new Set(stage.filter((i) => i.keyword === "ARG").map((i) => argOf(i.args)[0]));
      for (const run of stage.filter((i) => i.keyword === "RUN")) {
        for (const name of names.filter((n) => new RegExp(`\\$\\{?${n}\\b`).test(run.args))) {
          expect(declared, `${name} in RUN ${run.args}`).toContain(name);
        }
      }
    }
  });

  if (entrypoint[0] === "mammoflow") {
    it("ships the JavaScript compiled in its build stage, not the TypeScript sources", () => {
      const copies = (stagesOf(instructions).at(-1) ?? []).filter((i) => i.keyword === "COPY").map((i) => i.args);
      expect(copies).toContain("--from=build /app/build/js ./build/js");
      for (const copy of copies) expect(copy).not.toMatch(/^(operator|jobs\/ts|jobs\/contract)\b/);
    });

    it("puts the mammoflow command on PATH", () => {
      const run = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);
      expect(run.some((r) => r.includes("ln -s /app/bin/mammoflow.js /usr/local/bin/mammoflow"))).toBe(true);
      expect(readFileSync("bin/mammoflow.js", "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
      expect(statSync("bin/mammoflow.js").mode & 0o111).not.toBe(0);
    });
  }
});

const productionDefaults: [string, string, string][] = [
  ["docker/operator.Dockerfile", "NODE_IMAGE", "node:22.21.1-bookworm-slim"],
  ["docker/stage-ts.Dockerfile", "NODE_IMAGE", "node:22.21.1-bookworm-slim"],
  ["docker/stage-ts.Dockerfile", "CUDA_IMAGE", "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04"],
  ["docker/stage-ts.Dockerfile", "ONNXRUNTIME_NODE_INSTALL", "cuda12"],
  [
    "docker/stage-ts.Dockerfile",
    "RUNTIME_APT_PACKAGES",
    "libnvinfer10 libnvinfer-plugin10 libnvonnxparsers10 libopenjp2-7 libdcmtk17t64",
  ],
  ["docker/stage-python.Dockerfile", "PYTHON_IMAGE", "python:3.11.14-slim-bookworm"],
  ["docker/stage-python.Dockerfile", "TENSORRT_PACKAGE", "tensorrt-cu13==11.4.0.106"],
  ["docker/stage-python.Dockerfile", "PIP_NO_CACHE_DIR", "1"],
];

describe("build arguments keep the production values as defaults", () => {
  it.each(productionDefaults)("%s: %s=%s", (file, name, value) => {
    const args = instructionsOf(file).filter((i) => i.keyword === "ARG");
    expect(args.map((i) => argOf(i.args)).filter(([n]) => n === name)).toEqual([[name, value]]);
  });
});

describe.each(["docker/stage-ts.Dockerfile", "docker/stage-python.Dockerfile"])("%s at run time", (file) => {
  const instructions = instructionsOf(file);
  const finalStage = stagesOf(instructions).at(-1) ?? [];

  it("keeps HOME and caches in /tmp (uid 1000, read-only root file system, /tmp is an emptyDir)", () => {
    const env = finalStage.filter((i) => i.keyword === "ENV").map((i) => i.args);
    expect(env).toContainEqual(expect.stringMatching(/\bHOME=\/tmp\b/));
    expect(env).toContainEqual(expect.stringMatching(/\bXDG_CACHE_HOME=\/tmp\/\.cache\b/));
  });
});

describe("docker/stage-python.Dockerfile", () => {
  const instructions = instructionsOf("docker/stage-python.Dockerfile");
  const run = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);

  it("installs yolox as setup.sh does, compiling its op with compilers removed in the same layer", () => {
    const setup = readFileSync("scripts/setup.sh", "utf8");
    expect(setup).toMatch(/--no-deps --no-build-isolation yolox==0\.3\.0/);
    const yolox = run.find((r) => r.includes("yolox==")) ?? "";
    expect(yolox).toContain("pip install --no-deps --no-build-isolation yolox==0.3.0");
    expect(yolox).toMatch(/apt-get install .*\bg\+\+/);
    expect(yolox).toMatch(/apt-get purge -y --auto-remove/);
  });

  it("installs the runtime lock alone, every file checked against its hash, and no test tool", () => {
    expect(run.some((r) => r.startsWith("pip install --require-hashes -r jobs/python/requirements.lock "))).toBe(true);
    expect(instructions.some((i) => i.args.includes("requirements-test"))).toBe(false);
    const lock = readFileSync("jobs/python/requirements.lock", "utf8");
    const pins = lock.split("\n").filter((line) => /^[A-Za-z0-9]/.test(line));
    expect(pins.length).toBeGreaterThan(0);
    expect(pins.every((line) => / \\$/.test(line))).toBe(true);
    expect(lock).toMatch(/^torch==2\.15\.0 \\\n {4}--hash=sha256:[0-9a-f]{64}/m);
    for (const tool of ["pytest", "ruff", "openpyxl", "xlsxwriter", "pydicom"]) {
      expect(lock).not.toMatch(new RegExp(`^${tool}==`, "m"));
    }
  });

  it("installs TensorRT only when TENSORRT_PACKAGE is set, and keeps pip's cache out of the image", () => {
    expect(run.some((r) => r.includes('if [ -n "$TENSORRT_PACKAGE" ]; then pip install "$TENSORRT_PACKAGE"'))).toBe(
      true,
    );
    const env = instructions.filter((i) => i.keyword === "ENV").map((i) => i.args);
    expect(env).toContainEqual(expect.stringMatching(/\bPIP_NO_CACHE_DIR=\$\{PIP_NO_CACHE_DIR\}/));
  });

  it("ends with the import check of every stage module, as the user the stages run as", () => {
    const users = instructions.map((i, index) => (i.keyword === "USER" ? index : -1)).filter((i) => i >= 0);
    const check = instructions.findIndex((i) => i.keyword === "RUN" && i.args.includes("mammoflow_jobs.image_check"));
    expect(check).toBeGreaterThan(users.at(-1) ?? Number.POSITIVE_INFINITY);
    expect(instructions[check]?.args).toMatch(/ python -m mammoflow_jobs\.image_check\b/);
    expect(existsSync("jobs/python/src/mammoflow_jobs/image_check.py")).toBe(true);
  });
});

describe("docker/stage-ts.Dockerfile native decoders", () => {
  const instructions = instructionsOf("docker/stage-ts.Dockerfile");
  const run = instructions.filter((i) => i.keyword === "RUN").map((i) => i.args);

  it("builds both addons with the script setup uses, and fails the build when one is missing", () => {
    const build = run.find((r) => r.includes("scripts/build-native.sh")) ?? "";
    expect(build).toContain("test -f build/native/openjpeg.node");
    expect(build).toContain("test -f build/native/ljpeg.node");
    expect(run.some((r) => /libopenjp2-7-dev/.test(r) && /libdcmtk-dev/.test(r) && /\bg\+\+/.test(r))).toBe(true);
  });

  it("ships the built addons and the shared libraries they link", () => {
    const copies = instructions.filter((i) => i.keyword === "COPY").map((i) => i.args);
    expect(copies).toContain("--from=native /app/build/native ./build/native");
    const finalStage = stagesOf(instructions).at(-1) ?? [];
    const runtime = finalStage.find((i) => i.keyword === "RUN" && i.args.includes("apt-get install"))?.args ?? "";
    expect(runtime).toMatch(/\$\{RUNTIME_APT_PACKAGES\}/);
    const packages = finalStage.find((i) => i.keyword === "ARG" && i.args.startsWith("RUNTIME_APT_PACKAGES="));
    expect(packages?.args).toMatch(/\blibopenjp2-7\b/);
    expect(packages?.args).toMatch(/\blibdcmtk17t64\b/);
    // The addons load from build/native beside jobs/ (codecs/native-addons.ts).
    expect(copies).toContain("jobs/ts ./jobs/ts");
  });
});
