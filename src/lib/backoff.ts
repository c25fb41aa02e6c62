/** Exponential backoff with jitter, the SDK's schedule: 0.5 s × 2^n, capped at 8 s, minus up to 25 %. */
export function backoffMs(attempt: number, baseMs = 500, maxMs = 8_000, random = Math.random): number {
  const delay = Math.min(baseMs * 2 ** attempt, maxMs);
  return Math.round(delay * (1 - 0.25 * random()));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
