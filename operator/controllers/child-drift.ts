type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Whether `actual` already holds every field of `desired` (the API server adds defaults, so
 * actual may have more). Applying only on drift keeps an unchanged reproduction at zero writes.
 */
export function contains(actual: Json, desired: Json): boolean {
  if (isObject(desired)) {
    return isObject(actual) && Object.entries(desired).every(([k, v]) => v === undefined || contains(actual[k], v));
  }
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((v, i) => contains(actual[i], v));
  }
  return actual === desired;
}
