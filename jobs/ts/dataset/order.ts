/**
 * Row order. pandas compares Python strings by code point, so the seed's
 * `sort_values(['patient_id', 'image_id'])` is a code-point sort; JavaScript's default string
 * comparison is by UTF-16 unit, which differs only outside the BMP, and localeCompare differs
 * everywhere, so neither is used.
 */
export function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  const n = Math.min(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const x = (left[i] as string).codePointAt(0) as number;
    const y = (right[i] as string).codePointAt(0) as number;
    if (x !== y) return x - y;
  }
  return left.length - right.length;
}

/**
 * Sorts by the given keys in order. The seed's quicksort is not stable, but its keys
 * (patient_id, image_id) are unique, so its order is defined; ties here (which the seed would
 * leave to chance) keep their input order, which is itself deterministic.
 */
export function sortByKeys<T>(items: readonly T[], keys: readonly ((item: T) => string)[]): T[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      for (const key of keys) {
        const order = compareCodePoints(key(a.item), key(b.item));
        if (order !== 0) return order;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.item);
}
