// Compiles the TypeScript that runs (cli/, operator/, jobs/ts/, jobs/contract/) into plain JavaScript
// in build/js/, one .js (and .js.map) per .ts at the same relative path, so that the command, the
// stages and their worker threads start without a TypeScript loader. esbuild strips the types
// file by file (the sources are isolatedModules/verbatimModuleSyntax, so no file needs another to
// compile) and the relative `./x.ts` imports become `./x.js`. Type checking is `npm run typecheck`.
//
// Each worker thread's entry (WORKER_ENTRIES) is also bundled with everything it imports from
// build/js into one CommonJS file beside it, NAME.bundle.cjs, which the pools start: a worker then
// reads and compiles one file instead of resolving and linking some thirty ES modules, and
// CommonJS spares it Node's ES module loader (a decode worker started in 43-49 ms of CPU instead
// of 86-87). npm packages stay outside the bundle, loaded as the modules load them.
//
// build/js/stamp.json holds a hash of every source file (and of this file) and of their sizes and
// modification times. bin/mammoflow.js, in a checkout, compares it with the sources at every start
// (the times: a few milliseconds; the contents only when a time changed) and rebuilds under a lock
// when they differ: an edited source never runs as its old build. The images ship build/js without
// the sources and run it as it is.
//
//   node scripts/build-js.js          build when the stamp differs (npm run build)
//   node scripts/build-js.js --check  exit 1 when build/js does not match the sources
// Plain JavaScript (not TypeScript) so that Node runs it with nothing installed but esbuild.
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The repository root (this file is scripts/build-js.js). */
export const ROOT = path.resolve(import.meta.dirname, "..");
export const OUT_DIR = "build/js";
const SOURCE_DIRS = ["cli", "operator", "jobs/ts", "jobs/contract"];
const STAMP = "stamp.json";
const LOCK_WAIT_MS = 120_000;

/**
 * The .ts files that compile, relative to root with "/" separators, sorted. A folder that is not
 * there is skipped: each image's build stage copies only the folders it runs (the operator image
 * has no jobs/ts, the stage image no operator), and the build is of what was copied.
 */
export function sourceFiles(root = ROOT) {
  return SOURCE_DIRS.filter((dir) => existsSync(path.join(root, dir)))
    .flatMap((dir) =>
      readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
        .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join("/")),
    )
    .sort();
}

/** What build/js must have been built from: this builder and every source's path and content. */
export function sourcesHash(root = ROOT) {
  const hash = createHash("sha256").update(readFileSync(import.meta.filename));
  for (const file of sourceFiles(root)) hash.update(`\0${file}\0`).update(readFileSync(path.join(root, file)));
  return hash.digest("hex");
}

/** The same files' paths, sizes and modification times: a few milliseconds, where reading them all takes tens. */
export function sourcesStat(root = ROOT) {
  const hash = createHash("sha256");
  for (const file of [import.meta.filename, ...sourceFiles(root).map((f) => path.join(root, f))]) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${file}\0${size}\0${mtimeMs}\0`);
  }
  return hash.digest("hex");
}

/** The stamp of the last complete build ({ sources, stat, files }), or undefined. */
function readStamp(root) {
  try {
    return JSON.parse(readFileSync(path.join(root, OUT_DIR, STAMP), "utf8"));
  } catch {
    return undefined;
  }
}

function writeStamp(root, stamp) {
  writeIfChanged(path.join(root, OUT_DIR, STAMP), `${JSON.stringify(stamp)}\n`);
}

/**
 * Whether build/js was built from the sources as they are: the modification times match the
 * stamp's (the usual case, no file read), or else the contents do (files touched, not changed:
 * the stamp takes the new times so that the next start is quick again).
 */
export function isCurrent(root = ROOT) {
  const stamp = readStamp(root);
  if (stamp === undefined) return false;
  const stat = sourcesStat(root);
  if (stamp.stat === stat) return true;
  if (stamp.sources !== sourcesHash(root)) return false;
  try {
    writeStamp(root, { ...stamp, stat });
  } catch {
    // A read-only installation: the next start compares the contents again.
  }
  return true;
}

/** A relative import of a .ts module, as esbuild prints it (`from "./a.ts"`, `import("../b.ts")`). */
const TS_SPECIFIER = /(\b(?:from|import)\s*\(?\s*)"(\.\.?\/[^"\n]*)\.ts"/g;

/** Worker threads' entry modules (without .ts), bundled as described at the top. */
export const WORKER_ENTRIES = ["jobs/ts/dicom/batch/worker", "jobs/ts/submit/prepare-worker"];

/** The one module a worker bundle may read import.meta in: where the installation is (APP_ROOT). */
const APP_ROOT_MODULE = "jobs/contract/app-root.js";

/**
 * Bundles build/js/ENTRY.js into build/js/ENTRY.bundle.cjs (and its source map); returns the
 * two files' paths relative to build/js. A bundle has one import.meta for all its modules, so it
 * is given app-root.js's own URL, the only module that reads it; any other that does
 * (`readsImportMeta`: the compiled files, relative to build/js, whose code mentions it) fails the build.
 */
async function bundleWorker(esbuild, outDir, entry, readsImportMeta) {
  const bundle = `${entry}.bundle.cjs`;
  const target = path.join(outDir, bundle);
  const appRoot = path.relative(path.dirname(target), path.join(outDir, APP_ROOT_MODULE)).split(path.sep).join("/");
  const result = await esbuild.build({
    entryPoints: [path.join(outDir, `${entry}.js`)],
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20.19",
    packages: "external",
    define: { "import.meta.url": "__appRootModuleUrl" },
    banner: {
      // The directive first: esbuild prints its own "use strict" after the banner, where it is
      // no directive, and the modules (strict as ES modules) would run sloppy.
      js: `"use strict";\nconst __appRootModuleUrl = require("node:url").pathToFileURL(require("node:path").join(__dirname, ${JSON.stringify(appRoot)})).href;`,
    },
    outfile: target,
    sourcemap: "external",
    sourcesContent: false,
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  for (const input of Object.keys(result.metafile.inputs)) {
    const relative = path.relative(outDir, path.resolve(input)).split(path.sep).join("/");
    if (relative !== APP_ROOT_MODULE && readsImportMeta.has(relative)) {
      throw new Error(
        `cannot bundle the worker ${entry}: ${relative.replace(/\.js$/, ".ts")} reads import.meta, which a bundle shares with all its modules (only ${APP_ROOT_MODULE.replace(/\.js$/, ".ts")} may)`,
      );
    }
  }
  for (const file of result.outputFiles) writeIfChanged(file.path, file.text);
  return [bundle, `${bundle}.map`];
}

/** Writes `content` to `file` by rename, and only when it differs: a running process reads whole files. */
function writeIfChanged(file, content) {
  if (existsSync(file) && readFileSync(file, "utf8") === content) return;
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  writeFileSync(temporary, content);
  renameSync(temporary, file);
}

/** Compiles every source into root/build/js and writes the stamp last. Returns the number of files. */
export async function build(root = ROOT) {
  let esbuild;
  try {
    esbuild = await import("esbuild");
  } catch {
    throw new Error("esbuild is not installed (npm ci installs it)");
  }
  // Taken before the sources are read: an edit made during the build leaves a stamp that differs.
  const stat = sourcesStat(root);
  const hash = sourcesHash(root);
  const outDir = path.join(root, OUT_DIR);
  const files = sourceFiles(root);
  const wanted = new Set([STAMP]);
  const readsImportMeta = new Set();
  await Promise.all(
    files.map(async (file) => {
      const js = file.replace(/\.ts$/, ".js");
      const target = path.join(outDir, js);
      let result;
      try {
        result = await esbuild.transform(readFileSync(path.join(root, file), "utf8"), {
          loader: "ts",
          format: "esm",
          target: "node20.19",
          // As tsc (tsconfig.json) would: imports kept as written, ES2022+ class fields.
          tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
          sourcemap: "external",
          sourcefile: path.relative(path.dirname(target), path.join(root, file)).split(path.sep).join("/"),
          sourcesContent: false,
        });
      } catch (error) {
        throw new Error(`cannot compile ${file}: ${error.errors?.[0]?.text ?? error.message}`);
      }
      const code = result.code.replace(TS_SPECIFIER, '$1"$2.js"');
      if (code.includes("import.meta")) readsImportMeta.add(js);
      writeIfChanged(target, `${code}//# sourceMappingURL=${path.basename(js)}.map\n`);
      writeIfChanged(`${target}.map`, result.map);
      wanted.add(js).add(`${js}.map`);
    }),
  );
  for (const entry of WORKER_ENTRIES.filter((e) => files.includes(`${e}.ts`))) {
    for (const output of await bundleWorker(esbuild, outDir, entry, readsImportMeta)) wanted.add(output);
  }
  // Outputs of deleted sources go too (a stale module must not stay importable).
  for (const entry of readdirSync(outDir, { recursive: true, withFileTypes: true })) {
    const relative = path.relative(outDir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/");
    if (entry.isFile() && !wanted.has(relative)) rmSync(path.join(outDir, relative));
  }
  writeStamp(root, { sources: hash, stat, files: files.length });
  return files.length;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `action` holding root/build/js.lock (a folder with the owner's pid); one builder at a time. */
export async function withLock(root, action) {
  const lock = path.join(root, `${OUT_DIR}.lock`);
  mkdirSync(path.dirname(lock), { recursive: true });
  for (const started = Date.now(); ; ) {
    if (tryTakeLock(lock)) break;
    const held = readLock(lock);
    if (held === undefined) continue; // released meanwhile: try again at once
    // A lock whose owner died is left over. Its pid is always there: the lock is made whole
    // (folder with its pid file) and then renamed into place, so no waiter sees it half-made.
    const alive = Number.isInteger(held.owner) && held.owner > 0 && processExists(held.owner);
    if (!alive && (Number.isInteger(held.owner) || Date.now() - held.mtimeMs > 10_000)) removeStale(lock, held.ino);
    else if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`${lock} is held by process ${held.owner}`);
    else await sleep(50);
  }
  try {
    return await action();
  } finally {
    removeAside(lock);
  }
}

/** The lock as one rename of a folder that already holds this process's pid; false when held. */
function tryTakeLock(lock) {
  const candidate = `${lock}.${process.pid}-${randomBytes(4).toString("hex")}`;
  mkdirSync(candidate);
  writeFileSync(path.join(candidate, "pid"), String(process.pid));
  try {
    // rename(2) of a folder onto an existing non-empty one fails (EEXIST or ENOTEMPTY); a lock
    // is never empty, since it is released by renaming it aside first.
    renameSync(candidate, lock);
    return true;
  } catch (error) {
    rmSync(candidate, { recursive: true, force: true });
    if (error.code === "EEXIST" || error.code === "ENOTEMPTY") return false;
    throw error;
  }
}

function readLock(lock) {
  try {
    const { ino, mtimeMs } = statSync(lock);
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(path.join(lock, "pid"), "utf8"));
    } catch {}
    return { ino, mtimeMs, owner };
  } catch {
    return undefined;
  }
}

/** Removes a dead owner's lock, unless another waiter replaced it by a live one meanwhile. */
function removeStale(lock, ino) {
  const aside = removeAside(lock, false);
  if (aside === undefined) return;
  if (statSync(aside).ino === ino) rmSync(aside, { recursive: true, force: true });
  else {
    // Not the lock found dead: put the live one back (or drop it if a new lock took the place).
    try {
      renameSync(aside, lock);
    } catch {
      rmSync(aside, { recursive: true, force: true });
    }
  }
}

/** Renames the lock aside (one atomic step, so the lock's path is never an empty folder), then deletes it. */
function removeAside(lock, remove = true) {
  const aside = `${lock}.released-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    renameSync(lock, aside);
  } catch {
    return undefined;
  }
  if (remove) rmSync(aside, { recursive: true, force: true });
  return aside;
}

function processExists(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Makes root/build/js match the sources: nothing to do when the stamp matches (the usual case),
 * else rebuilds under the lock (another process may have done it meanwhile). `note` says why.
 */
export async function ensureBuild(root = ROOT, note = () => {}) {
  if (isCurrent(root)) return false;
  return withLock(root, async () => {
    if (isCurrent(root)) return false;
    note(readStamp(root) === undefined ? "no build yet" : "the TypeScript sources changed since the last build");
    await build(root);
    return true;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const check = process.argv.includes("--check");
  try {
    if (check) {
      if (!isCurrent()) {
        console.error(`${OUT_DIR} does not match the sources (npm run build)`);
        process.exitCode = 1;
      }
    } else {
      const started = performance.now();
      const built = await ensureBuild(ROOT);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(built ? `build: ${OUT_DIR} built (${seconds} s)` : `build: ${OUT_DIR} is up to date`);
    }
  } catch (error) {
    console.error(`build: ${error.message}`);
    process.exitCode = 1;
  }
}
