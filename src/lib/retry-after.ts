/**
 * How long a server asked us to wait, in ms, from its headers; undefined when it did not say (or said nonsense).
 * Reads, in order: `retry-after-ms` (OpenAI), `retry-after` as seconds or an HTTP date (RFC 9110), and GitHub's
 * primary limit (`x-ratelimit-remaining: 0` with `x-ratelimit-reset` in epoch seconds). Callers decide how long
 * is too long to wait.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = finite(Number.parseFloat(headers.get('retry-after-ms') ?? ''));
  if (ms !== undefined) return Math.max(0, ms);
  const raw = headers.get('retry-after')?.trim();
  if (raw) {
    const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw) - now;
    return finite(value) === undefined ? undefined : Math.max(0, value);
  }
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}
