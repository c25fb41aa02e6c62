import { describe, expect, it, vi } from 'vitest';
import { withRetry } from '../../../src/lib/retry.js';

class Busy extends Error {}
class Refused extends Error {}

function flaky(failures: Error[]) {
  let calls = 0;
  const run = vi.fn(async () => {
    const err = failures[calls++];
    if (err) throw err;
    return 'done';
  });
  return run;
}

describe('one retry loop for every caller', () => {
  it('waits the delay the caller chooses for each failure, then succeeds', async () => {
    const waits: number[] = [];
    const run = flaky([new Busy('1'), new Busy('2')]);
    const result = await withRetry(run, {
      attempts: 5,
      delayFor: (_err, attempt) => attempt * 100,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(result).toBe('done');
    expect(run).toHaveBeenCalledTimes(3);
    expect(waits).toEqual([100, 200]);
  });

  it('gives up at once on a failure the caller calls final, with that failure', async () => {
    const run = flaky([new Refused('no')]);
    const sleep = vi.fn(async () => {});
    await expect(
      withRetry(run, { attempts: 5, delayFor: (err) => (err instanceof Busy ? 10 : undefined), sleep }),
    ).rejects.toBeInstanceOf(Refused);
    expect(run).toHaveBeenCalledTimes(1);
    expect(sleep).not.toHaveBeenCalled();
  });

  it('stops after the last attempt with the last failure, without waiting after it', async () => {
    const run = flaky([new Busy('1'), new Busy('2'), new Busy('3')]);
    const sleep = vi.fn(async () => {});
    await expect(withRetry(run, { attempts: 2, delayFor: () => 10, sleep })).rejects.toThrow('2');
    expect(run).toHaveBeenCalledTimes(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('stops waiting when its signal is aborted', async () => {
    vi.useFakeTimers();
    try {
      const controller = new AbortController();
      const run = flaky([new Busy('1'), new Busy('2')]);
      const done = withRetry(run, { attempts: 3, delayFor: () => 60_000, signal: controller.signal });
      const outcome = expect(done).rejects.toThrow('the user stopped it');
      await vi.advanceTimersByTimeAsync(1_000);
      controller.abort(new Error('the user stopped it'));
      await outcome;
      expect(run).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
