// The content hash that names a built image: the Dockerfile, the build arguments, the IDs of the
// base images they name, and every file of the build context its COPY instructions read (after
// .dockerignore), with its executable bit. Same hash, same image: the build is skipped.
import { createHash, type Hash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import path from "node:path";
import { dockerignoreMatcher } from "./dockerignore.ts";

/** The context paths a Dockerfile's COPY/ADD instructions read (not those `--from` a stage). */
export function copySources(dockerfileText: string): string[] {
  const lines = dockerfileText
    .split("\n")
    .filter((line) => !line.trim().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n");
  const sources = new Set<string>();
  for (const line of lines) {
    const [keyword = "", ...args] = line.trim().split(/\s+/);
    if (!/^(COPY|ADD)$/i.test(keyword)) continue;
    if (args.some((a) => a.startsWith("--from"))) continue;
    if (args[0]?.startsWith("[")) throw new Error(`COPY in JSON form is not supported here: ${line.trim()}`);
    for (const source of args.filter((a) => !a.startsWith("--")).slice(0, -1)) {
      sources.add(path.posix.normalize(source).replace(/\/+$/, ""));
    }
  }
  return [...sources].sort();
}

function hashTree(hash: Hash, contextDir: string, rel: string, excluded: (rel: string) => boolean): number {
  if (excluded(rel)) return 0;
  const abs = path.join(contextDir, rel);
  const stat = lstatSync(abs);
  if (stat.isDirectory()) {
    let files = 0;
    for (const name of readdirSync(abs).sort()) files += hashTree(hash, contextDir, `${rel}/${name}`, excluded);
    return files;
  }
  if (stat.isSymbolicLink()) {
    hash.update(`link ${rel} ${readlinkSync(abs)}\n`);
  } else {
    const executable = (stat.mode & 0o111) !== 0 ? "x" : "-";
    const digest = createHash("sha256").update(readFileSync(abs)).digest("hex");
    hash.update(`file ${rel} ${executable} ${digest}\n`);
  }
  return 1;
}

export interface HashInputs {
  contextDir: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  /** Image IDs of the base images (by build-argument name). */
  baseIds: Record<string, string>;
}

/** sha256 (hex) of everything that determines the image, and how many context files it covers. */
export function imageContentHash(inputs: HashInputs): { hash: string; files: number } {
  const hash = createHash("sha256");
  const dockerfileText = readFileSync(path.join(inputs.contextDir, inputs.dockerfile), "utf8");
  hash.update(`dockerfile ${inputs.dockerfile}\n${dockerfileText}\n`);
  for (const [name, value] of Object.entries(inputs.buildArgs).sort()) hash.update(`arg ${name}=${value}\n`);
  for (const [name, id] of Object.entries(inputs.baseIds).sort()) hash.update(`base ${name} ${id}\n`);
  const excluded = dockerignoreMatcher(inputs.contextDir);
  let files = 0;
  for (const source of copySources(dockerfileText)) files += hashTree(hash, inputs.contextDir, source, excluded);
  return { hash: hash.digest("hex"), files };
}
