import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../src/lib/retry-after.js';

const headers = (h: Record<string, string>) => new Headers(h);

describe('how long a server asked us to wait', () => {
  it('reads retry-after-ms first, then retry-after as seconds or an HTTP date', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(headers({ 'retry-after': '1.5' }))).toBe(1500);
    expect(retryAfterMs(headers({ 'retry-after': new Date(15_000).toUTCString() }), 10_000)).toBe(5000);
  });

  it("reads GitHub's exhausted primary limit from its reset time", () => {
    expect(retryAfterMs(headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '20' }), 12_000)).toBe(8000);
    expect(retryAfterMs(headers({ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': '20' }), 12_000)).toBeUndefined();
  });

  it('says nothing for absent or unreadable values, and never a negative wait', () => {
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs(headers({}))).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': new Date(5_000).toUTCString() }), 10_000)).toBe(0);
  });
});
