// Fields a document has that its schema does not know. zod drops them silently when it parses
// (and the API server prunes them from a CRD's objects), so a typo such as `spec.aggregaton`
// would run with the default instead of the value the user wrote. Walking the schema beside the
// document finds them all, each with the closest known name.
import type { z } from "zod";

export interface UnknownField {
  /** Dotted path of the field, with [i] for array items, e.g. `spec.stages[0].lrr`. */
  path: string;
  /** The known field at that level nearest in spelling, when one is near enough. */
  suggestion?: string;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType): Def => schema._zod.def;

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

/** The schema that describes the value's shape, through defaults, optionals and pipes. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else if (def.type === "lazy" && def.getter) current = def.getter();
    else return current;
  }
  return current;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The candidate nearest to `name`, if it is within a third of the name's length (at least 2). */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d <= limit && (!best || d < best.distance)) best = { name: candidate, distance: d };
  }
  return best?.name;
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** Every field of `value` that `schema` does not define, depth first in document order. */
export function unknownFields(schema: z.ZodType, value: unknown, path = ""): UnknownField[] {
  const def = defOf(unwrap(schema));
  if (def.type === "object" && def.shape && isPlainObject(value)) {
    // A loose object (ObjectMeta) passes other fields through on purpose.
    const open = def.catchall !== undefined && defOf(def.catchall).type !== "never";
    const known = Object.keys(def.shape);
    return Object.entries(value).flatMap(([key, child]) => {
      const field = def.shape?.[key];
      if (field) return unknownFields(field, child, join(path, key));
      if (open) return [];
      const suggestion = closestName(key, known);
      return [{ path: join(path, key), ...(suggestion ? { suggestion } : {}) }];
    });
  }
  if (def.type === "array" && def.element && Array.isArray(value)) {
    const element = def.element;
    return value.flatMap((item, i) => unknownFields(element, item, `${path}[${i}]`));
  }
  if (def.type === "record" && def.valueType && isPlainObject(value)) {
    const valueType = def.valueType;
    return Object.entries(value).flatMap(([key, child]) => unknownFields(valueType, child, join(path, key)));
  }
  if (def.type === "union" && def.options) {
    // The option the value fits best: the one that leaves the fewest fields unknown.
    const candidates = def.options.map((option) => unknownFields(option, value, path));
    return candidates.reduce((best, next) => (next.length < best.length ? next : best), candidates[0] ?? []);
  }
  return [];
}

/** One line per unknown field, e.g. `spec.aggregaton: unknown field (did you mean "aggregation"?)`. */
export function describeUnknownFields(fields: readonly UnknownField[]): string {
  return fields
    .map((f) => `${f.path}: unknown field${f.suggestion ? ` (did you mean "${f.suggestion}"?)` : ""}`)
    .join("\n");
}
