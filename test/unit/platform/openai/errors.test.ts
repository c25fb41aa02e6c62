import { APIConnectionError, APIError, RateLimitError } from 'openai';
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../../src/lib/backoff.js';
import { fromSdkError, fromStreamError, isRetryable } from '../../../../src/platform/openai/errors.js';

const headers = (h: Record<string, string>) => new Headers(h);

describe('OpenAI failures as the bot understands them', () => {
  it('waits as long as OpenAI asks, but not for a minute or more', () => {
    const limited = (retryAfter: string) =>
      fromSdkError(
        new RateLimitError(429, { message: 'slow down' }, 'slow down', headers({ 'retry-after': retryAfter })),
      );
    expect(limited('2').details.retryAfterMs).toBe(2000);
    expect(limited('600').details.retryAfterMs).toBeUndefined();
  });

  it('does not retry insufficient_quota although it is a 429', () => {
    const err = fromSdkError(
      new RateLimitError(
        429,
        { code: 'insufficient_quota', message: 'quota' },
        'quota',
        headers({ 'x-request-id': 'req_1' }),
      ),
    );
    expect(err.kind).toBe('quota');
    expect(isRetryable(err)).toBe(false);
    expect(err.details.requestId).toBe('req_1');
  });

  it('retries rate limits, server errors and broken connections', () => {
    expect(
      isRetryable(
        fromSdkError(
          new RateLimitError(429, { code: 'rate_limit_exceeded' }, 'slow down', headers({ 'retry-after': '1' })),
        ),
      ),
    ).toBe(true);
    expect(fromSdkError(APIError.generate(503, { error: { message: 'down' } }, 'down', headers({}))).kind).toBe(
      'server',
    );
    expect(fromSdkError(new APIConnectionError({ message: 'reset' })).kind).toBe('connection');
  });

  it('recognises context_length_exceeded in a 400 and inside a stream', () => {
    expect(
      fromSdkError(
        APIError.generate(
          400,
          { error: { code: 'context_length_exceeded', message: 'too long' } },
          'too long',
          headers({}),
        ),
      ).kind,
    ).toBe('context_length');
    expect(
      fromStreamError({ type: 'invalid_request_error', code: 'context_length_exceeded', message: 'too long' }).kind,
    ).toBe('context_length');
    expect(fromStreamError({ type: 'insufficient_quota', code: 'insufficient_quota', message: 'q' }).kind).toBe(
      'quota',
    );
  });

  it('maps an error event the SDK raises without a status by its type and code: a server_error is retried', () => {
    // What openai-node throws for `event: error` in a raw stream: APIError(undefined, data.error, …).
    const raised = (error: Record<string, unknown>) =>
      fromSdkError(new APIError(undefined, error, undefined, headers({})));
    const transient = raised({ type: 'server_error', code: null, message: 'An error occurred while processing.' });
    expect(transient.kind).toBe('server');
    expect(isRetryable(transient)).toBe(true);
    expect(raised({ type: 'insufficient_quota', code: 'insufficient_quota', message: 'q' }).kind).toBe('quota');
    expect(raised({ type: 'invalid_request_error', code: 'context_length_exceeded', message: 'l' }).kind).toBe(
      'context_length',
    );
    expect(raised({ type: 'invalid_request_error', code: 'invalid_prompt', message: 'p' }).kind).toBe('bad_request');
    expect(raised({ type: 'tokens', code: 'rate_limit_exceeded', message: 'r' }).kind).toBe('rate_limited');
  });

  it('backs off exponentially with jitter, capped at 8 s', () => {
    expect(backoffMs(0, 500, 8000, () => 0)).toBe(500);
    expect(backoffMs(3, 500, 8000, () => 0)).toBe(4000);
    expect(backoffMs(10, 500, 8000, () => 0)).toBe(8000);
    expect(backoffMs(0, 500, 8000, () => 1)).toBe(375);
  });
});
