// The one seeded random stream of the tests: a failing fuzz case, a noisy image or a synthetic
// score table is the same on every run and every machine, so a failure replays from its seed.

/** Numbers in [0, 1) when called; integers of a given range from its methods. */
export interface Random {
  (): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** An unsigned 32-bit integer. */
  uint32(): number;
  /** An integer in [0, 255]. */
  byte(): number;
}

/**
 * mulberry32 (a 32-bit state advanced by a Weyl step, then mixed): small, fast and good enough
 * for test data; not for anything that must be unpredictable.
 */
export function prng(seed: number): Random {
  let state = seed >>> 0;
  const uint32 = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return (mixed ^ (mixed >>> 14)) >>> 0;
  };
  const random = () => uint32() / 2 ** 32;
  return Object.assign(random, {
    int: (n: number) => Math.floor(random() * n),
    uint32,
    byte: () => uint32() >>> 24,
  });
}
