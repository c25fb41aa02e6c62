import type { z } from 'zod';
import { backoffMs } from '../../../lib/backoff.js';
import { withRetry } from '../../../lib/retry.js';
import { retryAfterMs } from '../../../lib/retry-after.js';

/** Why a sync of one source failed; the message names the source and what to check, never a credential. */
export class SourceError extends Error {
  constructor(
    readonly reason: 'auth' | 'forbidden' | 'not_found' | 'rate_limited' | 'unavailable' | 'bad_response',
    message: string,
    /** The HTTP status, when the service answered. */
    readonly status?: number,
    /** The start of the error body, for a caller to tell refusals apart (Google's reasons); not in the message. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}

/** A failure worth another attempt: a 429 or 5xx (with the wait the server asked for) or a dropped connection. */
class Retryable extends SourceError {
  constructor(
    reason: 'rate_limited' | 'unavailable',
    message: string,
    readonly waitMs: number | undefined,
    status?: number,
  ) {
    super(reason, message, status);
  }
}

export interface SourceHttpOptions {
  /** How messages name the source: `Confluence source "wiki"`. */
  label: string;
  baseUrl: string;
  /** Auth headers, asked for per request so a short-lived token (Google) can be renewed. */
  auth: (signal: AbortSignal) => Promise<Record<string, string>> | Record<string, string>;
  /** What to check when the service refuses the credentials (401), e.g. "CONFLUENCE_EMAIL and CONFLUENCE_TOKEN". */
  check401: string;
  /** What to check when the credentials work but may not read (403), e.g. "that the account can view space HR". */
  check403: string;
  headers?: Record<string, string>;
  /** Google answers some rate limits with 403 and a reason in the body; true when this 403 body is one. */
  isRateLimit403?: (body: string) => boolean;
  /** Attempts in all per request. A sync runs in the background, so it may wait out a few limits. */
  attempts?: number;
  /** Longest Retry-After worth waiting for; a longer one fails this sync and the next one tries again. */
  maxWaitMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SourceRequest {
  method?: 'GET' | 'POST';
  /** A path under baseUrl, or a next-page URL the API handed back (same host only). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead of a JSON body (OAuth token requests). */
  form?: Record<string, string>;
  /** Named in "not found" and shape errors: "page 123". */
  what: string;
  signal: AbortSignal;
}

/**
 * The HTTP client of the cloud knowledge sources: auth headers on every call, 429 and 5xx retried through the one
 * retry helper honouring Retry-After (within the sync's signal), 401/403 turned into a message saying what to
 * check, answers validated with zod. Unlike the ticket client a sync is not a person waiting, so it waits longer.
 */
export class SourceHttp {
  private readonly base: URL;

  constructor(private readonly o: SourceHttpOptions) {
    this.base = new URL(o.baseUrl.replace(/\/?$/, '/'));
  }

  async json<S extends z.ZodType>(req: SourceRequest, schema: S): Promise<z.output<S>> {
    const res = await this.send(req, 'application/json');
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new SourceError('bad_response', `${this.o.label} answered ${req.what} with something that is not JSON`);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || '(root)';
      throw new SourceError(
        'bad_response',
        `${this.o.label} answered ${req.what} in an unexpected shape (at ${where})`,
      );
    }
    return parsed.data;
  }

  async text(req: SourceRequest, accept = 'text/plain'): Promise<string> {
    return (await this.send(req, accept)).text();
  }

  async bytes(req: SourceRequest, accept = '*/*'): Promise<Uint8Array> {
    return new Uint8Array(await (await this.send(req, accept)).arrayBuffer());
  }

  /** Sends until a 2xx arrives, a failure is final, the attempts run out or the signal aborts. */
  private send(req: SourceRequest, accept: string): Promise<Response> {
    const url = this.url(req.path, req.query);
    const maxWait = this.o.maxWaitMs ?? 120_000;
    return withRetry(() => this.once(url, req, accept), {
      attempts: this.o.attempts ?? 5,
      signal: req.signal,
      sleep: this.o.sleep,
      delayFor: (err, attempt) => {
        if (!(err instanceof Retryable)) return undefined;
        const wait = err.waitMs ?? backoffMs(attempt - 1, 1_000, 30_000);
        return wait <= maxWait ? wait : undefined;
      },
    });
  }

  private async once(url: string, req: SourceRequest, accept: string): Promise<Response> {
    const auth = await this.o.auth(req.signal);
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method ?? 'GET',
        headers: {
          accept,
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...this.o.headers,
          ...auth,
        },
        body: req.form ? new URLSearchParams(req.form) : req.body !== undefined ? JSON.stringify(req.body) : undefined,
        signal: req.signal,
        // A redirect could carry the credentials elsewhere.
        redirect: 'error',
      });
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      throw new Retryable('unavailable', `${this.o.label} could not be reached (${(err as Error).message})`, undefined);
    }
    if (res.ok) return res;
    const body = await res.text().catch(() => '');
    const wait = retryAfterMs(res.headers);
    const waitText = wait === undefined ? '' : `; it asks to wait ${Math.ceil(wait / 1000)} s`;
    const status = res.status;
    if (status === 429 || (status === 403 && this.o.isRateLimit403?.(body)))
      throw new Retryable('rate_limited', `${this.o.label} is rate-limiting requests${waitText}`, wait, status);
    if (status >= 500)
      throw new Retryable('unavailable', `${this.o.label} answered HTTP ${status}${waitText}`, wait, status);
    if (status === 401)
      throw new SourceError(
        'auth',
        `${this.o.label} refused the credentials (HTTP 401): check ${this.o.check401}`,
        status,
      );
    if (status === 403)
      throw new SourceError(
        'forbidden',
        `${this.o.label} may not read ${req.what} (HTTP 403): check ${this.o.check403}`,
        status,
        body.slice(0, 2_000),
      );
    if (status === 404) throw new SourceError('not_found', `${this.o.label} has no ${req.what} (HTTP 404)`, status);
    throw new SourceError('bad_response', `${this.o.label} answered HTTP ${status} for ${req.what}`, status);
  }

  private url(path: string, query: SourceRequest['query']): string {
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ''), this.base);
    // Credentials go only to the configured host, whatever a next-page link says.
    if (url.origin !== this.base.origin)
      throw new SourceError('bad_response', `${this.o.label} pointed to another host (${url.host}); not following it`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }
}
