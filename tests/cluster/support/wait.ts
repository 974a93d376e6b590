/**
 * Polls `probe` until it returns a value that is not undefined/false, at most `timeoutMs`
 * (bounded polling, not a timed assertion); the error names what was awaited and what was last
 * seen.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 90_000,
  describeLast: () => unknown = () => undefined,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const last = await Promise.resolve(describeLast()).catch(() => undefined);
  throw new Error(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}` +
      (lastError ? `; last error: ${(lastError as Error).message}` : "") +
      (last !== undefined ? `; last seen: ${JSON.stringify(last)}` : ""),
  );
}
