import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import {
  ALL_KINDS,
  API_GROUP,
  type ParsedResource,
  parseResource,
  ResourceValidationError,
} from "../operator/api/index.ts";

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/** Files named on the command line, with folders expanded recursively (sorted, stable). */
export async function expandManifestPaths(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    const info = await stat(input).catch(() => undefined);
    if (!info) throw new ResourceValidationError(input, "no such file or folder");
    if (info.isFile()) {
      files.push(input);
      continue;
    }
    const entries = await readdir(input, { recursive: true, withFileTypes: true });
    files.push(
      ...entries
        .filter((e) => e.isFile() && MANIFEST_EXTENSIONS.has(path.extname(e.name)))
        .map((e) => path.join(e.parentPath, e.name))
        .sort(),
    );
  }
  return files;
}

export interface ManifestLoad {
  resources: ParsedResource[];
  errors: ResourceValidationError[];
  /** Documents of other API groups (an Argo CD Application, a Kustomization), named `where (Kind)`. */
  skipped: string[];
  /** Each resource as written, defaults not applied: what the local runner reads to tell a set value from a default. */
  written: Map<ParsedResource, unknown>;
}

/** Folders of manifests mix kinds; only the mammoflow.io group is ours to validate. */
function isOtherApiGroup(value: unknown): boolean {
  const apiVersion = (value as { apiVersion?: unknown }).apiVersion;
  return typeof apiVersion === "string" && !apiVersion.startsWith(`${API_GROUP}/`);
}

const resourceKey = (parsed: ParsedResource) =>
  `${parsed.kind.kind}/${parsed.resource.metadata.namespace ? `${parsed.resource.metadata.namespace}/` : ""}${parsed.resource.metadata.name}`;

/** Reads and validates every document of every manifest; one bad document does not hide the others. */
export async function loadManifests(inputs: string[]): Promise<ManifestLoad> {
  const load: ManifestLoad = { resources: [], errors: [], skipped: [], written: new Map() };
  // Where each resource was first defined: a second definition would silently replace it.
  const seen = new Map<string, string>();
  for (const file of await expandManifestPaths(inputs)) {
    const documents = parseAllDocuments(await readFile(file, "utf8"));
    for (const [index, document] of documents.entries()) {
      const where = documents.length > 1 ? `${file}#${index + 1}` : file;
      if (document.errors.length > 0) {
        load.errors.push(new ResourceValidationError(where, `not valid YAML: ${document.errors[0]?.message}`));
        continue;
      }
      const value = document.toJS();
      if (value === null || value === undefined) continue;
      if (isOtherApiGroup(value)) {
        load.skipped.push(`${where} (${(value as { kind?: unknown }).kind})`);
        continue;
      }
      try {
        const parsed = parseResource(ALL_KINDS, value, where);
        const key = resourceKey(parsed);
        const first = seen.get(key);
        if (first) throw new ResourceValidationError(where, `${key} is already defined in ${first}`);
        seen.set(key, where);
        load.resources.push(parsed);
        load.written.set(parsed, value);
      } catch (error) {
        if (error instanceof ResourceValidationError) load.errors.push(error);
        else throw error;
      }
    }
  }
  return load;
}
