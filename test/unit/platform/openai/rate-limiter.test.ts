import { describe, expect, it } from 'vitest';
import { OpenAIRateLimiter } from '../../../../src/platform/openai/rate-limiter.js';

const headers = (h: Record<string, string>) => new Headers(h);

describe('the app-level OpenAI limiter', () => {
  it('lets at most max_concurrent calls run and hands slots on in arrival order, telling each its place', async () => {
    const limiter = new OpenAIRateLimiter({ maxConcurrent: 2 });
    const tickets = Array.from({ length: 5 }, () => limiter.acquire(100));
    expect(limiter.stats()).toMatchObject({ running: 2, waiting: 3 });
    expect(await tickets[4]!.nextPosition()).toBe(3);
    const order: number[] = [];
    const releases = await Promise.all(tickets.slice(0, 2).map((t) => t.granted));
    tickets.slice(2).forEach((t, i) => void t.granted.then((release) => (order.push(i + 2), release())));
    const moved = tickets[4]!.nextPosition();
    releases[0]!();
    expect(await moved).toBe(2);
    releases[1]!();
    await Promise.all(tickets.map((t) => t.granted));
    expect(order).toEqual([2, 3, 4]);
    expect(limiter.stats()).toMatchObject({ running: 0, waiting: 0, peak: 2 });
  });

  it('waits for the token budget OpenAI reports instead of firing into a 429', async () => {
    let now = 0;
    const limiter = new OpenAIRateLimiter({ maxConcurrent: 10, now: () => now });
    limiter.observe(headers({ 'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '1500' }));
    const first = limiter.acquire(1_000);
    const second = limiter.acquire(1_000);
    await first.granted;
    expect(limiter.stats()).toMatchObject({ running: 1, waiting: 1 });
    // 60,000 per minute refill 1,000 per second: 500 more tokens are there after half a second.
    now = 499;
    limiter.observe(headers({}));
    expect(limiter.stats().waiting).toBe(1);
    now = 500;
    limiter.observe(headers({}));
    await second.granted;
    expect(limiter.stats()).toMatchObject({ running: 2, waiting: 0 });
  });

  it('holds everyone back after a 429 until its retry-after has passed', async () => {
    let now = 0;
    const limiter = new OpenAIRateLimiter({ maxConcurrent: 10, now: () => now });
    limiter.pause(2_000);
    const t = limiter.acquire(10);
    expect(limiter.stats().waiting).toBe(1);
    now = 2_000;
    limiter.observe(headers({}));
    await t.granted;
  });

  it('forgets a waiting call that was cancelled', async () => {
    const limiter = new OpenAIRateLimiter({ maxConcurrent: 1 });
    const a = limiter.acquire(1);
    const b = limiter.acquire(1);
    const c = limiter.acquire(1);
    b.cancel();
    expect(await b.nextPosition()).toBeUndefined();
    expect(await c.nextPosition()).toBe(1);
    (await a.granted)();
    await c.granted;
  });
});
