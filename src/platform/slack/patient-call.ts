import { withRetry } from '../../lib/retry.js';
import type { SlackRateGate } from './rate-gate.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';

const ATTEMPTS = 6;
const TRANSIENT_DELAY_MS = 500;

/**
 * One housekeeping Slack call (stop a stream, delete a message) that waits out rate limits and transient
 * failures through the workspace gate. Resolves with the platform refusal, if any, instead of throwing:
 * callers decide whether e.g. `message_not_in_streaming_state` matters.
 */
export async function patientCall(
  gate: SlackRateGate,
  method: string,
  call: () => Promise<unknown>,
): Promise<SlackFailure | undefined> {
  try {
    await withRetry(
      async () => {
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
          const failure = classifySlackError(err);
          if (failure.kind === 'platform') return undefined;
          return failure.kind === 'rate_limited' ? 0 : TRANSIENT_DELAY_MS;
        },
      },
    );
    return undefined;
  } catch (err) {
    return classifySlackError(err);
  }
}
