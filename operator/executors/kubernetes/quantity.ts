/** Kubernetes quantities as exact numbers, only as far as pod sizing needs them. */

const SUFFIX_FACTOR: Record<string, number> = {
  "": 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

export class QuantityError extends Error {
  override name = "QuantityError";
}

/** The value of a quantity in base units (bytes for memory, cores for CPU). */
export function quantityValue(quantity: string): number {
  const match = QUANTITY.exec(quantity);
  if (!match) throw new QuantityError(`${JSON.stringify(quantity)} is not a Kubernetes quantity`);
  return Number(match[1]) * (SUFFIX_FACTOR[match[2] ?? ""] ?? 1);
}

/** Bytes as a binary-suffixed memory quantity, rounded up to whole MiB. */
export function formatMebibytes(bytes: number): string {
  const mib = Math.ceil(bytes / 2 ** 20);
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** `a + b` for two memory quantities. */
export function addMemory(a: string, b: string): string {
  return formatMebibytes(quantityValue(a) + quantityValue(b));
}
