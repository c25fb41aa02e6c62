import type { z } from 'zod';
import { sleep } from '../../../lib/backoff.js';
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

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const raw = headers.get('retry-after');
  if (raw) {
    const seconds = Number(raw);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - now;
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  }
  // GitHub's primary limit: remaining 0 and a reset time in epoch seconds.
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = Number(headers.get('x-ratelimit-reset'));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  }
  return undefined;
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
    const maxAttempts = this.o.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
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
        if (attempt < maxAttempts) continue;
        throw new ToolError('upstream_error', `${this.o.service} could not be reached (${(err as Error).message})`);
      }
      if (res.status === 404) {
        await res.body?.cancel();
        return undefined;
      }
      if (isRateLimited(res.status, res.headers)) {
        await res.body?.cancel();
        const wait = retryAfterMs(res.headers) ?? 1_000;
        if (attempt >= maxAttempts || wait > (this.o.maxRetryAfterMs ?? 10_000)) {
          throw new ToolError(
            'upstream_error',
            `${this.o.service} is rate-limiting requests; it asks to wait ${Math.ceil(wait / 1000)} s`,
          );
        }
        await sleep(wait, req.signal);
        continue;
      }
      if (res.status >= 500 && attempt < Math.min(2, maxAttempts)) {
        await res.body?.cancel();
        await sleep(300, req.signal);
        continue;
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
