// Inputs by content, for the reuse rule (reuse-rule.ts). The twin of
// jobs/python/src/mammoflow_jobs/reuse/fingerprints.py: both write the same strings and share the
// per-file digest index on the storage, so a stage in either language sees the other's digests.
import { createHash } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { sha256File, writeFileAtomic } from "./files.ts";
import { RESULT_FILE } from "./result.ts";

/** Where the reuse bookkeeping lives under the storage root; never part of an input's content. */
export const STATE_DIR = ".mammoflow";
/** Files hashed at once: enough to keep a disk busy, few enough for a small pod. */
const PARALLEL_HASHES = 8;

/**
 * The outputDigest a stage folder's Succeeded result records, if it has one: what an input in a
 * stage folder is fingerprinted by, instead of rehashing a model or a dataset of crops.
 */
export async function stageOutputDigest(folder: string): Promise<string | undefined> {
  try {
    const result = JSON.parse(await readFile(path.join(folder, RESULT_FILE), "utf8"));
    if (result?.outcome === "Succeeded" && typeof result.outputDigest === "string") return result.outputDigest;
  } catch {
    // Not a stage folder, or one without a usable result.
  }
  return undefined;
}

/**
 * Digests of the files under one input, kept between runs in
 * `<storage>/.mammoflow/file-digests/<sha256 of the input path>.json`: a file whose size, mtime
 * (ns) and inode are unchanged keeps its digest, so a re-run over a terabyte dataset stats its
 * files instead of reading them. One index per input keeps each small; concurrent writers (shard
 * pods) may lose each other's new entries, which costs a rehash, never a wrong digest.
 */
class FileDigestIndex {
  private entries: Record<string, string> = {};
  private changed = false;
  private readonly file: string;

  constructor(storageRoot: string, input: string) {
    this.file = path.join(
      storageRoot,
      STATE_DIR,
      "file-digests",
      `${createHash("sha256").update(input).digest("hex")}.json`,
    );
  }

  async load(): Promise<void> {
    try {
      const parsed = JSON.parse(await readFile(this.file, "utf8"));
      if (parsed && typeof parsed.files === "object") this.entries = parsed.files;
    } catch {
      // No index yet: every file is hashed once.
    }
  }

  async digest(relative: string, absolute: string, stats: BigIntStats): Promise<string> {
    const key = `${stats.size}:${stats.mtimeNs}:${stats.ino}:`;
    const known = this.entries[relative];
    if (known?.startsWith(key)) return known.slice(key.length);
    const digest = await sha256File(absolute);
    this.entries[relative] = key + digest;
    this.changed = true;
    return digest;
  }

  async save(input: string): Promise<void> {
    if (!this.changed) return;
    // A storage the stage may not write (read-only mount) only loses the shortcut.
    await writeFileAtomic(this.file, `${JSON.stringify({ input, files: this.entries })}\n`).catch(() => undefined);
  }
}

/** Sorts as the Python twin does: by the UTF-8 bytes of the relative path. */
const byUtf8 = (a: [string, string], b: [string, string]) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]));

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * `folder:<sha256>` of the folder's listing, one `relative-path TAB fingerprint LF` line per file
 * sorted by path: a file by its sha256, a stage folder inside it by `stage:<outputDigest>`, a
 * broken link as `missing`. Empty folders and the bookkeeping folder add nothing.
 */
async function folderFingerprint(storageRoot: string, top: string, index: FileDigestIndex): Promise<string> {
  const lines: [string, string][] = [];
  const files: { relative: string; absolute: string; stats: BigIntStats }[] = [];
  const visited = new Set<string>();
  const walk = async (absolute: string, relative: string) => {
    const self = await stat(absolute, { bigint: true });
    const id = `${self.dev}:${self.ino}`;
    if (visited.has(id)) return; // A link back up the tree.
    visited.add(id);
    for (const name of (await readdir(absolute)).sort()) {
      if (name === STATE_DIR) continue;
      const childAbsolute = path.join(absolute, name);
      const childRelative = relative ? `${relative}/${name}` : name;
      const stats = await statOf(childAbsolute);
      if (!stats) lines.push([childRelative, "missing"]);
      else if (stats.isDirectory()) {
        const digest = await stageOutputDigest(childAbsolute);
        if (digest) lines.push([childRelative, `stage:${digest}`]);
        else await walk(childAbsolute, childRelative);
      } else if (stats.isFile()) files.push({ relative: childRelative, absolute: childAbsolute, stats });
    }
  };
  await walk(path.join(storageRoot, top), "");
  const digests = await mapLimited(files, PARALLEL_HASHES, (f) =>
    index.digest(`${top}/${f.relative}`, f.absolute, f.stats),
  );
  files.forEach((f, i) => {
    lines.push([f.relative, digests[i] as string]);
  });
  const listing = lines
    .sort(byUtf8)
    .map(([relative, fingerprint]) => `${relative}\t${fingerprint}\n`)
    .join("");
  return `folder:${createHash("sha256").update(listing).digest("hex")}`;
}

async function statOf(absolute: string): Promise<BigIntStats | undefined> {
  return stat(absolute, { bigint: true }).catch(() => undefined);
}

/**
 * The content fingerprint of one input (a storage-relative path): `stage:<outputDigest>[/<rest>]`
 * inside a stage folder with a Succeeded result, else `file:<sha256>`, `folder:<sha256>`, or
 * `missing`. Links are followed: an input linked into the storage is its target's content.
 */
export async function fingerprintInput(storageRoot: string, input: string): Promise<string> {
  const normalized = path.posix.normalize(input).replace(/\/+$/, "");
  const parts = normalized.split("/");
  for (let n = parts.length; n >= 1; n--) {
    const digest = await stageOutputDigest(path.join(storageRoot, ...parts.slice(0, n)));
    if (!digest) continue;
    const rest = parts.slice(n).join("/");
    return rest ? `stage:${digest}/${rest}` : `stage:${digest}`;
  }
  const absolute = path.join(storageRoot, normalized);
  const stats = await statOf(absolute);
  if (!stats) return "missing";
  const index = new FileDigestIndex(storageRoot, normalized);
  await index.load();
  try {
    if (stats.isDirectory()) return await folderFingerprint(storageRoot, normalized, index);
    return `file:${await index.digest(normalized, absolute, stats)}`;
  } finally {
    await index.save(normalized);
  }
}

/** Fingerprints of a request's inputs by name. */
export async function fingerprintInputs(
  storageRoot: string,
  inputs: Readonly<Record<string, string>>,
): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(inputs).map(async ([name, input]) => [name, await fingerprintInput(storageRoot, input)] as const),
  );
  return Object.fromEntries(entries);
}
