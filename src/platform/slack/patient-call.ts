import { withRetry } from '../../lib/retry.js';
import type { SlackRateGate } from './rate-gate.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';

const ATTEMPTS = 6;
const TRANSIENT_DELAY_MS = 500;

export interface Patience {
  /** Tries in all for transient failures (5xx, network): fewer for calls that have a fallback of their own. */
  transientAttempts?: number;
  /** A rate limit that holds the method back longer than this ends the call (as rate_limited) instead of waiting. */
  maxWaitMs?: number;
}

/** The method is held back longer than the caller wants to wait. */
class HeldBack extends Error {
  constructor(readonly retryAfter: number) {
    super(`held back for ${retryAfter} s`);
  }
}

/**
 * One housekeeping Slack call (stop a stream, delete a message) that waits out rate limits and transient
 * failures through the workspace gate. Resolves with the platform refusal, if any, instead of throwing:
 * callers decide whether e.g. `message_not_in_streaming_state` matters.
 */
export async function patientCall(
  gate: SlackRateGate,
  method: string,
  call: () => Promise<unknown>,
  patience: Patience = {},
): Promise<SlackFailure | undefined> {
  let transient = 0;
  try {
    await withRetry(
      async () => {
        const wait = gate.readyAt(method) - Date.now();
        if (patience.maxWaitMs !== undefined && wait > patience.maxWaitMs) throw new HeldBack(Math.ceil(wait / 1000));
        await gate.wait(method);
        try {
          await call();
        } catch (err) {
          const failure = classifySlackError(err);
          // Every replica holds back this method until Slack's Retry-After passes; the next gate.wait honours it.
          if (failure.kind === 'rate_limited') gate.limited(method, failure.retryAfter);
          throw err;
        }
      },
      {
        attempts: ATTEMPTS,
        delayFor: (err) => {
          if (err instanceof HeldBack) return undefined;
          const failure = classifySlackError(err);
          if (failure.kind === 'platform') return undefined;
          if (failure.kind === 'rate_limited') return 0;
          return ++transient >= (patience.transientAttempts ?? ATTEMPTS) ? undefined : TRANSIENT_DELAY_MS;
        },
      },
    );
    return undefined;
  } catch (err) {
    return err instanceof HeldBack ? { kind: 'rate_limited', retryAfter: err.retryAfter } : classifySlackError(err);
  }
}
