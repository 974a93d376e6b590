// How the API server folds a write into the stored object, for the in-memory API: a JSON merge
// patch (RFC 7386) and server-side apply by one field manager. Lists are atomic in both (the
// operator's objects carry no list it shares with another manager).

type Json = unknown;
type JsonObject = Record<string, Json>;

export const isObject = (v: Json): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** RFC 7386: null removes a key, objects merge key by key, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** `applied` without the fields `previous` set that `applied` no longer sets, kept from `current`. */
function withoutDropped(current: Json, previous: Json, applied: Json): Json {
  if (!isObject(current) || !isObject(previous)) return current;
  const out: JsonObject = { ...current };
  for (const key of Object.keys(previous)) {
    if (!isObject(applied) || !(key in applied)) delete out[key];
    else out[key] = withoutDropped(out[key], previous[key], applied[key]);
  }
  return out;
}

/**
 * Server-side apply with force by a manager that applied `previous` before (undefined: never):
 * the fields it set last time and leaves out now are removed, the fields it sets now win, the
 * rest of the object stays (what other managers and the server wrote).
 */
export function serverSideApply(current: Json, previous: Json, applied: Json): Json {
  const kept = previous === undefined ? current : withoutDropped(current, previous, applied);
  return mergeApplied(kept, applied);
}

function mergeApplied(target: Json, applied: Json): Json {
  if (!isObject(applied) || !isObject(target)) return structuredClone(applied);
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(applied)) {
    if (value === undefined) continue;
    out[key] = mergeApplied(out[key], value);
  }
  return out;
}

/** The value at a dotted path ("involvedObject.uid"), as a field selector reads it. */
export function valueAt(object: Json, dotted: string): Json {
  let value = object;
  for (const part of dotted.split(".")) value = isObject(value) ? value[part] : undefined;
  return value;
}
