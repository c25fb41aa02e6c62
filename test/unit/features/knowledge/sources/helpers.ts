import { vi } from 'vitest';
import { sleep as realSleep } from '../../../../../src/lib/backoff.js';

export const signal = () => AbortSignal.timeout(10_000);
export const none: ReadonlyMap<string, string> = new Map();

/**
 * The real sleep on fake timers, telling the test when a wait starts and for how long, so a test can check that a
 * Retry-After is honoured without waiting for it: advance the clock to just before the end, then to the end.
 */
export function retryClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  let started: (ms: number) => void = () => {};
  const waits: number[] = [];
  let next = new Promise<number>((resolve) => {
    started = resolve;
  });
  const sleep = (ms: number, s?: AbortSignal) => {
    waits.push(ms);
    const tell = started;
    next = new Promise<number>((resolve) => {
      started = resolve;
    });
    tell(ms);
    return realSleep(ms, s);
  };
  return {
    sleep,
    waits,
    /** Resolves with the length of the next wait once the client starts it. */
    waitStarted: () => next,
    advance: (ms: number) => vi.advanceTimersByTimeAsync(ms),
    restore: () => vi.useRealTimers(),
  };
}
