// The content-addressed result cache (issue 14, item 1): an index on the storage from a result's
// contentKey to the stage folder that holds it, so a stage asked the same work on the same data
// by another resource copies that result instead of running again. The twin of
// jobs/python/src/mammoflow_jobs/reuse/cache.py; both read and write the same index.
import { constants, copyFile, mkdir, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "./files.ts";
import { STATE_DIR } from "./fingerprints.ts";
import type { StageRequest } from "./request.ts";
import { RESULT_FILE, type ReusedFrom, StageResult } from "./result.ts";
import { decideCachedReuse, mayCopyAcross, type ReuseScope } from "./reuse-rule.ts";
import { reusedFromName } from "./termination.ts";

/** One index entry, `<storage>/.mammoflow/results/<contentKey>.json`: where the result lives. */
interface IndexEntry {
  namespace: string;
  resource: string;
  outputDir: string;
}

/** A stage folder's own bookkeeping, which a copied result gets anew: request, result, logs. */
export const isBookkeeping = (name: string) =>
  name === RESULT_FILE ||
  name === "request.json" ||
  /^stage(\.attempt-\d+)?\.log$/.test(name) ||
  name.includes(".tmp-");

const entryFile = (storageRoot: string, contentKey: string) =>
  path.join(storageRoot, STATE_DIR, "results", `${contentKey}.json`);

/** Reads a result.json; undefined when there is none or it does not parse. */
export async function readStageResult(file: string): Promise<StageResult | undefined> {
  try {
    const parsed = StageResult.safeParse(JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Records a Succeeded result in the index. Written by rename, one file per key, so concurrent
 * pods never see a torn entry; the last writer wins, and either folder holds the same work.
 */
export async function indexResult(storageRoot: string, request: StageRequest, contentKey: string): Promise<void> {
  const entry: IndexEntry = {
    namespace: request.owner.namespace,
    resource: `${request.owner.kind}/${request.owner.name}`,
    outputDir: request.outputDir,
  };
  // The cache is a shortcut: a storage the stage cannot write there only loses it.
  await writeFileAtomic(entryFile(storageRoot, contentKey), `${JSON.stringify(entry)}\n`).catch(() => undefined);
}

async function readEntry(storageRoot: string, contentKey: string): Promise<IndexEntry | undefined> {
  try {
    const entry = JSON.parse(await readFile(entryFile(storageRoot, contentKey), "utf8"));
    const fields = [entry?.namespace, entry?.resource, entry?.outputDir];
    return fields.every((f) => typeof f === "string" && f !== "") ? (entry as IndexEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** The stage folder under the resource's (`runs/<ns>/<Kind>/<name>/<stage>`), for people to read. */
function reusedFromOf(entry: IndexEntry): ReusedFrom {
  const prefix = `runs/${entry.namespace}/${entry.resource}/`;
  const stage = entry.outputDir.startsWith(prefix) ? entry.outputDir.slice(prefix.length) : entry.outputDir;
  return { resource: entry.resource, namespace: entry.namespace, stage, outputDir: entry.outputDir };
}

/** What a status or a log line says of a copied result. */
export const reusedFromText = (from: ReusedFrom, namespace?: string) =>
  `reused from ${reusedFromName(from, namespace)}`;

/** Copies a folder's outputs (not its bookkeeping) into another: a clone where the filesystem can. */
async function copyOutputs(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (isBookkeeping(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    // Copied, never moved or hard-linked: the original's stage may run again and rewrite its
    // files in place, which must not change this result.
    if (entry.isDirectory()) await copyOutputs(source, target);
    else await copyFile(source, target, constants.COPYFILE_FICLONE);
  }
}

const within = (file: string, dir: string) => file === dir || file.startsWith(`${dir}/`);

/**
 * The result of the same work another stage folder holds, copied into this request's folder and
 * recorded there as this request's result (with reusedFrom); undefined when the index has none
 * that still stands. Only the request's own namespace's results, unless `scope` is `storage`:
 * another team's folders on a shared volume are not this one's to read without their agreement.
 */
export async function adoptCachedResult(
  storageRoot: string,
  request: StageRequest,
  current: { requestDigest: string; contentKey: string; inputFingerprints: Record<string, string>; startedAt: string },
  options: { copy?: boolean; scope?: ReuseScope } = {},
): Promise<StageResult | undefined> {
  const entry = await readEntry(storageRoot, current.contentKey);
  if (!entry || entry.outputDir === request.outputDir) return undefined;
  const across = { from: entry.namespace, to: request.owner.namespace, scope: options.scope ?? "namespace" };
  if (!mayCopyAcross(across)) return undefined; // another namespace's folder is not read
  const candidate = await readStageResult(path.join(storageRoot, entry.outputDir, RESULT_FILE));
  if (!candidate || !decideCachedReuse(candidate, current.contentKey, across).reuse) return undefined;
  const present = await Promise.all(
    candidate.artifacts.map((a) => stat(path.join(storageRoot, a.path)).then(Boolean, () => false)),
  );
  if (present.includes(false)) return undefined;
  // `mammoflow run --dry-run` asks what would stand without changing the storage.
  if (options.copy === false) return { ...candidate, reusedFrom: reusedFromOf(entry) };
  await copyOutputs(path.join(storageRoot, entry.outputDir), path.join(storageRoot, request.outputDir));
  const result: StageResult = {
    ...candidate,
    requestDigest: current.requestDigest,
    startedAt: current.startedAt,
    finishedAt: new Date().toISOString(),
    artifacts: candidate.artifacts.map((a) =>
      within(a.path, entry.outputDir) ? { ...a, path: request.outputDir + a.path.slice(entry.outputDir.length) } : a,
    ),
    inputFingerprints: current.inputFingerprints,
    reusedFrom: reusedFromOf(entry),
  };
  await writeFileAtomic(path.join(storageRoot, request.outputDir, RESULT_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
