import pRetry from 'p-retry';
import { sleep as realSleep } from './backoff.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /**
   * How long to wait before trying again after `err` (attempt counts from 1), or undefined when `err` is final
   * (a refusal, a bad request). This is where Retry-After and backoff schedules live, so each caller keeps its own.
   */
  delayFor: (err: Error, attempt: number) => number | undefined;
  /** Stops waiting and retrying; rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Told before each wait, e.g. to log it. */
  onRetry?: (err: Error, attempt: number, delayMs: number) => void;
  /** Injected in tests that drive time themselves. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * The one retry loop: p-retry (attempt counting, abort handling, never retrying programming errors such as a
 * TypeError) with the delay chosen per failure by the caller, because the servers we talk to say how long to
 * wait (Retry-After) and p-retry's own schedule cannot take that into account.
 */
export function withRetry<T>(run: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const sleep = o.sleep ?? realSleep;
  return pRetry(run, {
    retries: Math.max(0, o.attempts - 1),
    // Our sleep does the waiting; p-retry's own timer would only add to it.
    minTimeout: 0,
    factor: 1,
    signal: o.signal,
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft === 0) return;
      const delay = o.delayFor(error, attemptNumber);
      // Throwing from here ends the retries with this error: it is final.
      if (delay === undefined) throw error;
      o.onRetry?.(error, attemptNumber, delay);
      await sleep(delay, o.signal);
    },
  });
}
