import { sleep } from '../../lib/backoff.js';
import type { SlackRateGate } from './rate-gate.js';
import { classifySlackError, type SlackFailure } from './slack-errors.js';

const ATTEMPTS = 6;

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
  let last: SlackFailure | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await gate.wait(method);
    try {
      await call();
      return undefined;
    } catch (err) {
      last = classifySlackError(err);
      if (last.kind === 'platform') return last;
      if (last.kind === 'rate_limited') gate.limited(method, last.retryAfter);
      else await sleep(500);
    }
  }
  return last;
}
