/**
 * A float → uint8 cast as NumPy and PyTorch do it on x86 (`astype(np.uint8)`, `.to(torch.uint8)`):
 * truncation toward zero to a 32-bit integer, keeping the low 8 bits. In [0, 255] that is plain
 * truncation (docs/seed-pipeline.md#truncation-to-8-bits); outside it (min-max of int16-wrapped 16-bit data) values
 * wrap, and NaN or out-of-int32 values give 0 (the integer-indefinite value's low byte).
 */
export function castToUint8(v: number): number {
  if (v >= 0 && v < 256) return Math.trunc(v);
  if (!(v > -2147483649 && v < 2147483648)) return 0;
  return Math.trunc(v) & 0xff;
}
