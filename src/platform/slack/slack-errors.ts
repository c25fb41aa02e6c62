import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';

export type SlackFailure =
  | { kind: 'rate_limited'; retryAfter: number }
  | { kind: 'platform'; error: string }
  | { kind: 'transient'; error: string };

/** Classifies a Web API failure so callers can decide between waiting, falling back and giving up. */
export function classifySlackError(err: unknown): SlackFailure {
  if (err instanceof WebAPIRateLimitedError) return { kind: 'rate_limited', retryAfter: err.retryAfter };
  if (err instanceof WebAPIPlatformError) return { kind: 'platform', error: String(err.data.error) };
  if (err instanceof WebAPIHTTPError) {
    return err.statusCode >= 500
      ? { kind: 'transient', error: `http_${err.statusCode}` }
      : { kind: 'platform', error: `http_${err.statusCode}` };
  }
  return { kind: 'transient', error: err instanceof Error ? err.message : String(err) };
}
