import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { retryAfterMs } from '../../lib/retry-after.js';
import { ModelError, type ModelErrorKind } from '../../turn/ports.js';

/** Waits OpenAI asks for beyond this are not worth holding a turn for; the backoff schedule applies instead. */
const MAX_HONOURED_RETRY_AFTER_MS = 60_000;

function honouredRetryAfter(headers: Headers | undefined): number | undefined {
  const ms = retryAfterMs(headers);
  return ms !== undefined && ms <= MAX_HONOURED_RETRY_AFTER_MS ? ms : undefined;
}

/**
 * Codes that mean "this model is not (any more) available to this key": `model_not_found` for a model that never
 * existed, was retired or shut down (OpenAI answers 404 on GET /models/{id} and 400 on POST /responses with it), and
 * `DeploymentNotFound` for an Azure deployment that is gone.
 */
const MODEL_GONE_CODES = new Set(['model_not_found', 'DeploymentNotFound']);

/** Error `type`s of a stream's `error` event (or a status-less APIError) that mean "try again", like a 5xx. */
const TRANSIENT_TYPES = new Set(['server_error', 'service_unavailable', 'api_error']);

/**
 * One mapping for HTTP errors and errors inside a 200 stream. A stream's `error` event has no status and often
 * `code: null` (`{type:'server_error', code:null}`), so its `type` counts as much as its code.
 */
function kindFor(status: number | undefined, code: string | null | undefined, type?: string | null): ModelErrorKind {
  if (code === 'insufficient_quota' || type === 'insufficient_quota') return 'quota';
  if (code === 'context_length_exceeded') return 'context_length';
  if (code === 'previous_response_not_found') return 'previous_response_missing';
  if (code && MODEL_GONE_CODES.has(code)) return 'model_missing';
  if (
    code === 'rate_limit_exceeded' ||
    status === 429 ||
    (status === undefined && (type === 'tokens' || type === 'requests'))
  )
    return 'rate_limited';
  if (code === 'server_error' || (type && TRANSIENT_TYPES.has(type))) return 'server';
  if (status !== undefined && (status >= 500 || status === 408 || status === 409)) return 'server';
  if (status === 401 || status === 403 || code === 'invalid_api_key') return 'auth';
  return 'bad_request';
}

/** Converts whatever the SDK threw into a ModelError the turn understands. */
export function fromSdkError(err: unknown): ModelError {
  if (err instanceof ModelError) return err;
  if (err instanceof APIUserAbortError) return new ModelError('aborted', 'request aborted');
  if (err instanceof APIConnectionTimeoutError) return new ModelError('timeout', 'OpenAI did not answer in time');
  if (err instanceof APIConnectionError)
    return new ModelError('connection', `connection to OpenAI failed: ${err.message}`);
  if (err instanceof APIError) {
    const code = typeof err.code === 'string' ? err.code : null;
    // The SDK raises a stream's `error` event as an APIError without a status: mapped like the event itself.
    if (err.status === undefined)
      return fromStreamError({ code, type: err.type ?? undefined, message: err.message }, err.requestID ?? undefined);
    return new ModelError(kindFor(err.status, code), err.message, {
      status: err.status,
      code,
      requestId: err.requestID ?? undefined,
      retryAfterMs: honouredRetryAfter(err.headers),
    });
  }
  return new ModelError('connection', err instanceof Error ? err.message : String(err));
}

/** An `error` event or a `response.failed` inside a 200 stream. */
export function fromStreamError(
  error: { code?: string | null; message?: string; type?: string } | null | undefined,
  requestId?: string,
): ModelError {
  const code = error?.code ?? (error?.type && error.type !== 'invalid_request_error' ? error.type : null);
  return new ModelError(kindFor(undefined, code, error?.type), error?.message ?? 'the model reported an error', {
    code,
    requestId,
  });
}

/** Whether trying the same request again can help. */
export function isRetryable(err: ModelError): boolean {
  return ['rate_limited', 'server', 'timeout', 'stalled', 'connection'].includes(err.kind);
}
