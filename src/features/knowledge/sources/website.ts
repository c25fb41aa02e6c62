import { createHash } from 'node:crypto';
import { z } from 'zod';
import { backoffMs, sleep as realSleep } from '../../../lib/backoff.js';
import { withRetry } from '../../../lib/retry.js';
import { retryAfterMs } from '../../../lib/retry-after.js';
import type { KnowledgeProvider, SourceChanges, SourceDocument, SourceProblem } from '../contracts.js';
import { htmlToMarkdown } from './convert.js';

/** Who we are to robots.txt and in server logs. */
export const USER_AGENT = 'Threadwise';
const USER_AGENT_HEADER = `${USER_AGENT}/1.0 (knowledge sync)`;
/** Sitemap indexes nest; a loop or a deep tree stops here. */
const MAX_SITEMAPS = 50;
const MAX_PAGE_BYTES = 5 * 1_048_576;
/** Pages fetched at once (when robots.txt sets no crawl delay). */
const CONCURRENCY = 4;
/** A Retry-After longer than this fails the page (or the sync) instead of holding the sync. */
const MAX_RETRY_WAIT_MS = 120_000;

export interface WebsiteProviderOptions {
  name: string;
  /** The sitemap (or sitemap index) URL. */
  url: string;
  maxPages: number;
  /** Attempts per request on 429, 503 and connection errors. */
  attempts?: number;
  /** Injected by tests to see the waits without taking them. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** A request that failed; `status` 0 when the server could not be reached. */
class FetchFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly waitMs?: number,
  ) {
    super(message);
  }
}

/**
 * The sitemap protocol (sitemaps.org) as fast-xml-parser reads it: entries are lists (isArray), an empty element is
 * an empty string; only `loc` and `lastmod` are used. Entries whose `loc` is not text are skipped later.
 */
const entry = z.looseObject({ loc: z.unknown().optional(), lastmod: z.unknown().optional() });
const sitemapSchema = z.looseObject({
  urlset: z.union([z.looseObject({ url: z.array(entry).optional() }), z.literal('')]).optional(),
  sitemapindex: z.union([z.looseObject({ sitemap: z.array(entry).optional() }), z.literal('')]).optional(),
});

/** What we use of robots-parser. */
type RobotsParser = (
  url: string,
  robotstxt: string,
) => { isAllowed(url: string, ua?: string): boolean | undefined; getCrawlDelay(ua?: string): number | undefined };

interface Listed {
  url: string;
  lastmod?: string;
}

/**
 * A website through its sitemap: every listed page on the sitemap's host that robots.txt allows for Threadwise,
 * up to `maxPages`, converted from HTML to Markdown. The version is the sitemap's `lastmod` when it gives one (an
 * unchanged page is not fetched again), else the page's ETag (asked with If-None-Match), else a hash of its text.
 * A page gone from the sitemap, or answering 404/410, is deleted; one that fails otherwise keeps its last version.
 */
export class WebsiteProvider implements KnowledgeProvider {
  readonly kind = 'website' as const;
  readonly name: string;
  private readonly origin: string;

  constructor(private readonly o: WebsiteProviderOptions) {
    this.name = o.name;
    this.origin = new URL(o.url).origin;
  }

  async changes(known: ReadonlyMap<string, string>, signal: AbortSignal): Promise<SourceChanges> {
    const robots = await this.robots(signal);
    const problems: SourceProblem[] = [];
    const listed: Listed[] = [];
    const seen = new Set<string>();
    for (const page of await this.sitemap(signal)) {
      if (seen.has(page.url)) continue;
      seen.add(page.url);
      if (new URL(page.url).origin !== this.origin) {
        problems.push({ id: page.url, message: `left out: not on ${this.origin}, the sitemap's site` });
        continue;
      }
      if (robots.isAllowed(page.url, USER_AGENT) === false) continue;
      listed.push(page);
    }
    if (listed.length > this.o.maxPages) {
      problems.push({
        id: this.o.url,
        message: `the sitemap lists ${listed.length} pages; the first ${this.o.maxPages} are read (max_pages)`,
      });
      listed.length = this.o.maxPages;
    }

    const upserts: SourceDocument[] = [];
    const gone = new Set<string>();
    const delay = robots.getCrawlDelay(USER_AGENT);
    const todo = listed.filter((p) => !(p.lastmod && known.get(p.url) === `lastmod:${p.lastmod}`));
    const one = async (page: Listed) => {
      try {
        const got = await this.page(page, known.get(page.url), signal);
        if (got === 'gone') gone.add(page.url);
        else if (got !== 'unchanged' && got.version !== known.get(page.url)) upserts.push(got);
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        problems.push({ id: page.url, message: (err as Error).message });
      }
    };
    if (delay) {
      // robots.txt asks for a pause between requests: one at a time, that far apart.
      for (const [i, page] of todo.entries()) {
        if (i > 0) await (this.o.sleep ?? realSleep)(delay * 1000, signal);
        await one(page);
      }
    } else {
      const queue = [...todo];
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, queue.length) }, async () => {
          for (let page = queue.shift(); page; page = queue.shift()) await one(page);
        }),
      );
    }
    const present = new Set(listed.map((p) => p.url));
    const deletes = [...known.keys()].filter((id) => !present.has(id) || gone.has(id));
    // Upserts in sitemap order, whatever order the fetches finished in.
    const order = new Map(listed.map((p, i) => [p.url, i]));
    upserts.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return { upserts, deletes, ...(problems.length ? { problems } : {}) };
  }

  /** robots.txt of the site: missing (4xx) allows everything; unreachable fails the sync rather than guess. */
  private async robots(signal: AbortSignal) {
    // A CommonJS module whose typings claim an ES default export: at run time the default is the function itself.
    const robotsParser = (await import('robots-parser')).default as unknown as RobotsParser;
    const url = `${this.origin}/robots.txt`;
    const res = await this.fetch(url, {}, signal).catch((err: Error) => {
      if (err instanceof FetchFailure && err.status >= 400 && err.status < 500) return undefined;
      throw new Error(`robots.txt could not be read: ${err.message}`);
    });
    return robotsParser(url, res ? await res.text() : '');
  }

  /** Every page listed by the sitemap, following a sitemap index one level at a time. */
  private async sitemap(signal: AbortSignal): Promise<Listed[]> {
    const { XMLParser } = await import('fast-xml-parser');
    const parser = new XMLParser({
      ignoreAttributes: true,
      removeNSPrefix: true,
      isArray: (n) => n === 'url' || n === 'sitemap',
    });
    const pages: Listed[] = [];
    const pending = [this.o.url];
    const visited = new Set<string>();
    while (pending.length) {
      const url = pending.shift()!;
      if (visited.has(url)) continue;
      if (visited.size >= MAX_SITEMAPS) throw new Error(`more than ${MAX_SITEMAPS} sitemaps under ${this.o.url}`);
      visited.add(url);
      const res = await this.fetch(url, {}, signal).catch((err: Error) => {
        throw new Error(`the sitemap ${url} could not be read: ${err.message}`);
      });
      let xml: unknown;
      try {
        xml = parser.parse(await res.text());
      } catch (err) {
        throw new Error(`the sitemap ${url} is not XML (${(err as Error).message})`);
      }
      const parsed = sitemapSchema.safeParse(xml);
      if (!parsed.success) throw new Error(`the sitemap ${url} has neither <urlset> nor <sitemapindex> as it should`);
      const { urlset, sitemapindex: index } = parsed.data;
      if (urlset === undefined && index === undefined)
        throw new Error(`the sitemap ${url} has neither <urlset> nor <sitemapindex>`);
      for (const s of (index || undefined)?.sitemap ?? []) {
        const loc = absolute(s.loc, url);
        if (loc) pending.push(loc);
      }
      for (const u of (urlset || undefined)?.url ?? []) {
        const loc = absolute(u.loc, url);
        if (!loc) continue;
        const lastmod = typeof u.lastmod === 'string' && u.lastmod.trim() ? u.lastmod.trim() : undefined;
        pages.push({ url: loc, ...(lastmod ? { lastmod } : {}) });
      }
    }
    return pages;
  }

  private async page(
    page: Listed,
    knownVersion: string | undefined,
    signal: AbortSignal,
  ): Promise<SourceDocument | 'gone' | 'unchanged'> {
    const etag = knownVersion?.startsWith('etag:') ? knownVersion.slice('etag:'.length) : undefined;
    let res: Response;
    try {
      res = await this.fetch(page.url, etag ? { 'if-none-match': etag } : {}, signal);
    } catch (err) {
      if (err instanceof FetchFailure && (err.status === 404 || err.status === 410)) return 'gone';
      throw err;
    }
    if (res.status === 304) return 'unchanged';
    if (new URL(res.url || page.url).origin !== this.origin)
      throw new Error(`redirects to another site (${new URL(res.url).origin}); left out`);
    const type = res.headers.get('content-type') ?? '';
    if (!/^(text\/html|application\/xhtml\+xml)\b/i.test(type)) {
      await res.body?.cancel();
      throw new Error(`not an HTML page (${type.split(';')[0] || 'no content type'})`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (declared > MAX_PAGE_BYTES) {
      await res.body?.cancel();
      throw new Error(`larger than ${MAX_PAGE_BYTES / 1_048_576} MB`);
    }
    const html = await res.text();
    if (html.length > MAX_PAGE_BYTES) throw new Error(`larger than ${MAX_PAGE_BYTES / 1_048_576} MB`);
    const converted = await htmlToMarkdown(html);
    const served = res.headers.get('etag');
    const version = page.lastmod
      ? `lastmod:${page.lastmod}`
      : served
        ? `etag:${served}`
        : `sha256:${createHash('sha256').update(converted.text).digest('hex').slice(0, 32)}`;
    return {
      id: page.url,
      title: converted.title ?? new URL(page.url).pathname,
      url: page.url,
      text: converted.text,
      version,
    };
  }

  /** GET with the retry helper: 429, 502, 503, 504 and connection errors are retried, honouring Retry-After. */
  private fetch(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
    return withRetry(
      async () => {
        let res: Response;
        try {
          res = await fetch(url, { headers: { 'user-agent': USER_AGENT_HEADER, ...headers }, signal });
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          const cause = (err as Error).cause as Error | undefined;
          throw new FetchFailure(0, `could not be reached (${cause?.message ?? (err as Error).message})`);
        }
        if (res.ok || res.status === 304) return res;
        await res.body?.cancel();
        throw new FetchFailure(res.status, `answered HTTP ${res.status}`, retryAfterMs(res.headers));
      },
      {
        attempts: this.o.attempts ?? 4,
        signal,
        ...(this.o.sleep ? { sleep: this.o.sleep } : {}),
        delayFor: (err, attempt) => {
          if (!(err instanceof FetchFailure)) return undefined;
          if (![0, 429, 502, 503, 504].includes(err.status)) return undefined;
          const wait = err.waitMs ?? backoffMs(attempt);
          return wait <= MAX_RETRY_WAIT_MS ? wait : undefined;
        },
      },
    );
  }
}

function absolute(loc: unknown, base: string): string | undefined {
  if (typeof loc !== 'string' || !loc.trim()) return undefined;
  try {
    const url = new URL(loc.trim(), base);
    url.hash = '';
    return /^https?:$/.test(url.protocol) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
