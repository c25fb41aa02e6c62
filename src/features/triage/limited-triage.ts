import type { OpenAIRateLimiter } from '../../platform/openai/rate-limiter.js';
import type { TriagePort } from './port.js';

/** Tokens a triage may take from the per-minute budget: its text (~4 characters a token), images at most, the cap. */
const TRIAGE_IMAGE_TOKENS = 1_105;

/** Triage calls wait in the same app-level line as turns, so a burst of shortcuts cannot run into 429s either. */
export function limitedTriage(inner: TriagePort, limiter: OpenAIRateLimiter, maxOutputTokens: number): TriagePort {
  return (input, signal) =>
    limiter.inLine(
      Math.ceil(input.text.length / 4) + input.images.length * TRIAGE_IMAGE_TOKENS + maxOutputTokens,
      () => inner(input, signal),
      signal,
    );
}
