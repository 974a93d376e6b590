// The words of a preflight that found inputs missing, shared by whoever checks the storage: the
// local runner looks at the storage folder itself; on a cluster only a pod that mounts the volume
// can, so what to check and how to say what is missing live here, where both can import them.
// The schema is also the check-inputs stage's request (catalogue/check-inputs.ts): the list
// the operator sends its preflight pod.
import { z } from "zod";
import { StoragePath } from "./parameters/storage-path.ts";

/**
 * The operator's preflight stage id: this prefix and a digest of this many hex digits (its Job's
 * name ends so). Here, beside the preflight's other shared words, because the API reference's
 * generator states the Job name's length and may not import the operator's pipeline.
 */
export const PREFLIGHT_ID_PREFIX = "check-inputs-";
export const PREFLIGHT_DIGEST_LENGTH = 10;

/** A storage-relative path a stage of the run reads, and the fields that name it. */
export const RequiredInput = z
  .object({
    path: StoragePath,
    reader: z.string().min(1).describe("`Kind/name stage` of the stage that reads it."),
    field: z.string().min(1).describe("Where the stage's request names it: `inputs.<name>` or a parameter path."),
    manifestField: z
      .string()
      .min(1)
      .optional()
      .describe("`Kind/name spec.<field>` of the manifest that sets it; absent for another stage's output."),
  })
  .describe("A path a stage of the run reads that no stage of the run writes.");
export type RequiredInput = z.infer<typeof RequiredInput>;

/** The required inputs `exists` does not find, by path (in the order first needed), with every reader of each. */
export function missingInputs(
  required: readonly RequiredInput[],
  exists: (path: string) => boolean,
): Map<string, RequiredInput[]> {
  const missing = new Map<string, RequiredInput[]>();
  for (const need of required) {
    if (missing.has(need.path)) missing.get(need.path)?.push(need);
    else if (!exists(need.path)) missing.set(need.path, [need]);
  }
  return missing;
}

/**
 * One line per missing path: who reads it (stage and request field), the manifest fields that
 * name it, and how to fix it: `fix` when given (e.g. a flag that provides bundled files), else
 * putting it there or changing the field.
 */
export function missingInputLine(path: string, needs: readonly RequiredInput[], fix?: string): string {
  const readers = needs.map((n) => `${n.reader} (${n.field})`).join(", ");
  const fields = [...new Set(needs.flatMap((n) => (n.manifestField ? [n.manifestField] : [])))];
  const named = fields.length > 0 ? `; named by ${fields.join(", ")}` : "";
  const hint = fix ? `; ${fix}` : fields.length > 0 ? "; put it there or change that field" : "";
  return `  ${path}: read by ${readers}${named}${hint}`;
}
