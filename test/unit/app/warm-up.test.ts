import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WARM_UP_DEADLINE_MS, WarmUp } from '../../../src/app/warm-up.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A step that finishes (or fails) when the test says so. */
function step(name: string) {
  let settle!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  return { step: { name, run: () => done }, finish: () => settle(), fail: (m: string) => settle(new Error(m)) };
}

describe('warm-up before the bot says it is ready', () => {
  it('is not done until every step has finished', async () => {
    const redis = step('redis');
    const slack = step('slack');
    const warm = new WarmUp([redis.step, slack.step], pino({ level: 'silent' }));
    const run = warm.run();
    redis.finish();
    await vi.advanceTimersByTimeAsync(10);
    expect(warm.done).toBe(false);
    slack.finish();
    await run;
    expect(warm.done).toBe(true);
  });

  it('counts a failing step as done, so a dependency that fails warm-up does not keep the bot unready', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const openai = step('openai');
    const warm = new WarmUp([openai.step], log);
    const run = warm.run();
    openai.fail('connect ECONNREFUSED');
    await run;
    expect(warm.done).toBe(true);
    expect(lines.find((l) => l.msg === 'warm-up step failed; carrying on')).toMatchObject({ step: 'openai' });
  });

  it('stops waiting for a step that hangs once its deadline has passed', async () => {
    const slack = step('slack');
    const warm = new WarmUp([slack.step], pino({ level: 'silent' }));
    const run = warm.run();
    await vi.advanceTimersByTimeAsync(WARM_UP_DEADLINE_MS - 1);
    expect(warm.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await run;
    expect(warm.done).toBe(true);
  });
});
