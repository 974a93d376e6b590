// Static programs for the real node's scratch images (tests/cluster/programs/*.c): `gcc -static`
// so an image needs no libc, cached by the source and the compiler so each is built once.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { NODE_CACHE_DIR, PROGRAMS_DIR } from "./node-cache.ts";

/** Path of the static binary built from tests/cluster/programs/<name>.c. */
export function staticBinary(name: string): string {
  const source = path.join(PROGRAMS_DIR, `${name}.c`);
  const compiler = execFileSync("gcc", ["--version"], { encoding: "utf8" });
  const hash = createHash("sha256").update(compiler).update(readFileSync(source)).digest("hex").slice(0, 12);
  const binary = path.join(NODE_CACHE_DIR, "bin", `${name}-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(path.dirname(binary), { recursive: true });
  const partial = `${binary}.partial`;
  execFileSync("gcc", ["-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror", "-o", partial, source], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  renameSync(partial, binary);
  return binary;
}
