import type { z } from 'zod';
import { withRetry } from '../../../lib/retry.js';
import { retryAfterMs } from '../../../lib/retry-after.js';
import { ToolError } from '../../../platform/tools/types.js';

export interface HttpClientOptions {
  /** Named in messages to the model and the logs ("Jira answered HTTP 500"). */
  service: string;
  baseUrl: string;
  headers: Record<string, string>;
  /** Longest Retry-After worth waiting for inside one tool call; longer waits fail fast with a clear message. */
  maxRetryAfterMs?: number;
  maxAttempts?: number;
}

export interface HttpRequest<T> {
  method?: 'GET' | 'POST';
  /** A path under baseUrl, or an absolute URL the API handed us (a next-page link). */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  schema: z.ZodType<T>;
  signal: AbortSignal;
}

export interface HttpResponse<T> {
  data: T;
  headers: Headers;
}

/** A failure worth another attempt; when attempts run out it reaches the model as the ToolError it is. */
class RetryableFailure extends ToolError {
  constructor(
    readonly retry: 'unreachable' | 'rate_limited' | 'server',
    message: string,
    readonly waitMs = 0,
  ) {
    super('upstream_error', message);
  }
}

function isRateLimited(status: number, headers: Headers): boolean {
  // GitHub signals secondary limits with 403 plus retry-after or an exhausted quota.
  return (
    status === 429 || (status === 403 && (headers.has('retry-after') || headers.get('x-ratelimit-remaining') === '0'))
  );
}

/**
 * A small JSON client for ticket systems: 404 → undefined, 429 → waits out Retry-After (when short) and retries,
 * 5xx → one retry, everything else → a ToolError the model can relay. Responses are validated with zod.
 */
export class JsonHttpClient {
  constructor(private readonly o: HttpClientOptions) {}

  async request<T>(req: HttpRequest<T>): Promise<HttpResponse<T> | undefined> {
    const url = this.url(req.path, req.query);
    const maxWait = this.o.maxRetryAfterMs ?? 10_000;
    return withRetry(() => this.once(url, req), {
      attempts: this.o.maxAttempts ?? 3,
      signal: req.signal,
      delayFor: (err, attempt) => {
        if (!(err instanceof RetryableFailure)) return undefined;
        if (err.retry === 'unreachable') return 0;
        // One retry for a 5xx: a tool call has the user waiting.
        if (err.retry === 'server') return attempt < 2 ? 300 : undefined;
        return err.waitMs <= maxWait ? err.waitMs : undefined;
      },
    });
  }

  private async once<T>(url: string, req: HttpRequest<T>): Promise<HttpResponse<T> | undefined> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: req.method ?? 'GET',
        headers: {
          accept: 'application/json',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...this.o.headers,
        },
        body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
        signal: req.signal,
        redirect: 'error',
      });
    } catch (err) {
      if (req.signal.aborted) throw req.signal.reason;
      throw new RetryableFailure('unreachable', `${this.o.service} could not be reached (${(err as Error).message})`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (isRateLimited(res.status, res.headers)) {
      await res.body?.cancel();
      const wait = retryAfterMs(res.headers) ?? 1_000;
      throw new RetryableFailure(
        'rate_limited',
        `${this.o.service} is rate-limiting requests; it asks to wait ${Math.ceil(wait / 1000)} s`,
        wait,
      );
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new RetryableFailure('server', `${this.o.service} answered HTTP ${res.status}`);
    }
    if (!res.ok) {
      await res.body?.cancel();
      const why = res.status === 401 || res.status === 403 ? ': check its credentials and permissions' : '';
      throw new ToolError('upstream_error', `${this.o.service} answered HTTP ${res.status}${why}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new ToolError('upstream_error', `${this.o.service} answered with something that is not JSON`);
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') || '(root)';
      throw new ToolError('upstream_error', `${this.o.service} answered in an unexpected shape (at ${where})`);
    }
    return { data: parsed.data, headers: res.headers };
  }

  /** Like request, for calls where 404 is an error too. */
  async require<T>(req: HttpRequest<T>, what: string): Promise<HttpResponse<T>> {
    const res = await this.request(req);
    if (!res) throw new ToolError('upstream_error', `${this.o.service} answered 404 for ${what}`);
    return res;
  }

  private url(path: string, query: HttpRequest<unknown>['query']): string {
    const base = new URL(this.o.baseUrl.replace(/\/?$/, '/'));
    const url = /^https?:\/\//.test(path) ? new URL(path) : new URL(path.replace(/^\//, ''), base);
    // Credentials go only to the configured host, whatever a next-page link says.
    if (url.origin !== base.origin)
      throw new ToolError('upstream_error', `${this.o.service} pointed to another host; refusing to follow it`);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }
}
