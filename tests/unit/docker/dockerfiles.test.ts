import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
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

const images = [
  { file: "docker/operator.Dockerfile", entrypoint: ["node", "bin/mammoflow.js"], command: "operator" },
  { file: "docker/stage-ts.Dockerfile", entrypoint: ["node", "bin/mammoflow.js", "stage"], command: "stage" },
  { file: "docker/stage-python.Dockerfile", entrypoint: ["python", "-m", "mammoflow_jobs"], command: undefined },
];

describe.each(images)("$file", ({ file, entrypoint, command }) => {
  const instructions = instructionsOf(file);
  const stageNames = new Set(
    instructions.filter((i) => i.keyword === "FROM").flatMap((i) => /\bAS\s+(\S+)/i.exec(i.args)?.[1] ?? []),
  );
  const argDefaults = new Map(
    instructions
      .filter((i) => i.keyword === "ARG" && i.args.includes("="))
      .map((i) => i.args.split("=") as [string, string]),
  );

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
    if (command) expect(cliCommands).toContain(command);
    if (entrypoint.includes("mammoflow_jobs")) {
      expect(existsSync("jobs/python/src/mammoflow_jobs/__main__.py")).toBe(true);
    }
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
    const runtime = run.at(-1) ?? "";
    expect(runtime).toMatch(/\blibopenjp2-7\b/);
    expect(runtime).toMatch(/\blibdcmtk17t64\b/);
    // The addons load from build/native beside jobs/ (codecs/native-addons.ts).
    expect(copies).toContain("jobs/ts ./jobs/ts");
  });
});
