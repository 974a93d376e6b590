import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { APP_ROOT } from "../../contract/app-root.ts";
import { sha256File, writeFileAtomic } from "../runtime/index.ts";

/** Written by each predict shard next to probabilities.csv; the report's provenance reads it. */
export const MODELS_FILE = "models.json";

const ModelRecord = z.object({
  /** Relative to the storage root (absolute for a model outside it). */
  file: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The model card export-onnx writes beside the ONNX file (detector.json, ensemble.json), if any. */
  card: z.record(z.string(), z.unknown()).optional(),
});
export type ModelRecord = z.infer<typeof ModelRecord>;

export const ModelsRecord = z.object({
  detector: ModelRecord,
  classifier: ModelRecord,
  versions: z.record(z.string(), z.string()),
});
export type ModelsRecord = z.infer<typeof ModelsRecord>;

async function readCard(onnxFile: string): Promise<Record<string, unknown> | undefined> {
  const cardFile = onnxFile.replace(/\.onnx$/, ".json");
  if (cardFile === onnxFile) return undefined;
  const text = await readFile(cardFile, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const card = JSON.parse(text) as unknown;
    return card !== null && typeof card === "object" && !Array.isArray(card)
      ? (card as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function describe(file: string, storageRoot: string): Promise<ModelRecord> {
  const relative = path.relative(storageRoot, file);
  const record: ModelRecord = {
    file: relative.startsWith("..") || path.isAbsolute(relative) ? file : relative,
    sha256: await sha256File(file),
  };
  const card = await readCard(file);
  if (card) record.card = card;
  return record;
}

function mammoflowVersion(): Promise<string> {
  return readFile(path.join(APP_ROOT, "package.json"), "utf8").then(
    (text) => (JSON.parse(text) as { version?: string }).version ?? "unknown",
    () => "unknown",
  );
}

/**
 * What a predict shard scored with: each ONNX file's SHA-256 (hashed here, where the files are
 * inputs; the report's aggregate stage does not read them) and card, and the software versions.
 */
export async function modelsRecord(detector: string, classifier: string, storageRoot: string): Promise<ModelsRecord> {
  const ort = await import("onnxruntime-node");
  return {
    detector: await describe(detector, storageRoot),
    classifier: await describe(classifier, storageRoot),
    versions: {
      mammoflow: await mammoflowVersion(),
      "onnxruntime-node": ort.env.versions.node ?? "unknown",
      node: process.version,
    },
  };
}

export async function writeModelsRecord(dir: string, record: ModelsRecord): Promise<string> {
  const file = path.join(dir, MODELS_FILE);
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/**
 * The models.json of every predict shard under `dir`, in path order; predictions made before
 * the file existed have none (an empty list).
 */
export async function readModelsRecords(dir: string): Promise<{ file: string; record: ModelsRecord }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name === MODELS_FILE)
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const records: { file: string; record: ModelsRecord }[] = [];
  for (const file of files) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      throw new Error(`${file}: not JSON: ${(error as Error).message}`);
    }
    const parsed = ModelsRecord.safeParse(json);
    if (!parsed.success) throw new Error(`${file}: not a models record: ${z.prettifyError(parsed.error)}`);
    records.push({ file, record: parsed.data });
  }
  return records;
}
