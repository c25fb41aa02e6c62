import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebsiteProvider } from '../../../../src/features/knowledge/sources/website.js';

const SITE = 'https://help.example.com';
const signal = () => AbortSignal.timeout(10_000);

function sitemap(pages: Array<{ loc: string; lastmod?: string }>): string {
  const urls = pages
    .map((p) => `  <url><loc>${p.loc}</loc>${p.lastmod ? `<lastmod>${p.lastmod}</lastmod>` : ''}</url>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls}\n</urlset>`;
}

const html = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title><style>body{}</style><script>track()</script></head><body><nav><a href="/">Home</a> | <a href="/about">About</a></nav><main><h1>${title}</h1>${body}</main><footer>© Example</footer></body></html>`;
const HTML = { 'content-type': 'text/html; charset=utf-8' };

/** Records the waits the provider asks for instead of taking them. */
function site(o: { maxPages?: number } = {}) {
  const waits: number[] = [];
  const provider = new WebsiteProvider({
    name: 'help',
    url: `${SITE}/sitemap.xml`,
    maxPages: o.maxPages ?? 100,
    sleep: async (ms) => void waits.push(ms),
  });
  return { provider, waits };
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});

describe('website source', () => {
  it('reads every sitemap page as Markdown without navigation, scripts or styles, titled by <title>', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(200, 'User-agent: *\nAllow: /\n')
      .get('/sitemap.xml')
      .reply(200, sitemap([{ loc: `${SITE}/refunds`, lastmod: '2026-11-02' }, { loc: `${SITE}/shipping` }]))
      .get('/refunds')
      .matchHeader('user-agent', /^Threadwise\//)
      .reply(
        200,
        html('Refunds', '<p>Within <strong>14 days</strong>.</p><h2>Exceptions</h2><ul><li>Gift cards</li></ul>'),
        HTML,
      )
      .get('/shipping')
      .reply(200, html('Shipping', '<p>Free over 50 EUR.</p>'), { ...HTML, etag: '"v7"' });

    const changes = await site().provider.changes(new Map(), signal());

    expect(changes.deletes).toEqual([]);
    expect(changes.problems).toBeUndefined();
    expect(changes.upserts).toEqual([
      {
        id: `${SITE}/refunds`,
        title: 'Refunds',
        url: `${SITE}/refunds`,
        text: '# Refunds\n\nWithin **14 days**.\n\n## Exceptions\n\n-   Gift cards',
        version: 'lastmod:2026-11-02',
      },
      {
        id: `${SITE}/shipping`,
        title: 'Shipping',
        url: `${SITE}/shipping`,
        text: '# Shipping\n\nFree over 50 EUR.',
        version: 'etag:"v7"',
      },
    ]);
  });

  it('follows a sitemap index to its sitemaps', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(404)
      .get('/sitemap.xml')
      .reply(
        200,
        `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>${SITE}/sitemap-a.xml</loc></sitemap><sitemap><loc>${SITE}/sitemap-b.xml</loc></sitemap></sitemapindex>`,
      )
      .get('/sitemap-a.xml')
      .reply(200, sitemap([{ loc: `${SITE}/a`, lastmod: '2026-01-01' }]))
      .get('/sitemap-b.xml')
      .reply(200, sitemap([{ loc: `${SITE}/b`, lastmod: '2026-01-02' }]))
      .get('/a')
      .reply(200, html('A', '<p>a</p>'), HTML)
      .get('/b')
      .reply(200, html('B', '<p>b</p>'), HTML);

    const changes = await site().provider.changes(new Map(), signal());
    expect(changes.upserts.map((d) => d.id)).toEqual([`${SITE}/a`, `${SITE}/b`]);
  });

  it('leaves out pages robots.txt disallows for Threadwise (they are never fetched)', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(200, 'User-agent: Threadwise\nDisallow: /internal/\n\nUser-agent: *\nDisallow: /\n')
      .get('/sitemap.xml')
      .reply(
        200,
        sitemap([
          { loc: `${SITE}/public`, lastmod: '2026-01-01' },
          { loc: `${SITE}/internal/salaries`, lastmod: '2026-01-01' },
        ]),
      )
      .get('/public')
      .reply(200, html('Public', '<p>open</p>'), HTML);

    const changes = await site().provider.changes(new Map(), signal());
    expect(changes.upserts.map((d) => d.id)).toEqual([`${SITE}/public`]);
    // Had it asked for the disallowed page, nock (no interceptor, no network) would have made it a problem.
    expect(changes.problems).toBeUndefined();
  });

  it('waits as long as Retry-After says on 429 and 503, then reads the page', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(404)
      .get('/sitemap.xml')
      .reply(503, 'busy', { 'retry-after': '3' })
      .get('/sitemap.xml')
      .reply(200, sitemap([{ loc: `${SITE}/faq`, lastmod: '2026-03-01' }]))
      .get('/faq')
      .reply(429, 'slow down', { 'retry-after': '7' })
      .get('/faq')
      .reply(200, html('FAQ', '<p>answers</p>'), HTML);

    const { provider, waits } = site();
    const changes = await provider.changes(new Map(), signal());

    expect(waits).toEqual([3_000, 7_000]);
    expect(changes.upserts.map((d) => d.title)).toEqual(['FAQ']);
  });

  it('a page still rate-limited after every attempt keeps its last version and is reported; the sync goes on', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(404)
      .get('/sitemap.xml')
      .reply(200, sitemap([{ loc: `${SITE}/busy` }, { loc: `${SITE}/fine` }]))
      .get('/busy')
      .times(4)
      .reply(429, '', { 'retry-after': '1' })
      .get('/fine')
      .reply(200, html('Fine', '<p>ok</p>'), HTML);

    const changes = await site().provider.changes(new Map([[`${SITE}/busy`, 'sha256:old']]), signal());

    expect(changes.upserts.map((d) => d.id)).toEqual([`${SITE}/fine`]);
    expect(changes.deletes).toEqual([]);
    expect(changes.problems).toEqual([{ id: `${SITE}/busy`, message: 'answered HTTP 429' }]);
  });

  it('a page gone from the sitemap, or answering 404 or 410, is deleted', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(404)
      .get('/sitemap.xml')
      .reply(
        200,
        sitemap([{ loc: `${SITE}/moved` }, { loc: `${SITE}/retired` }, { loc: `${SITE}/kept`, lastmod: '2026-05-05' }]),
      )
      .get('/moved')
      .reply(404)
      .get('/retired')
      .reply(410);

    const known = new Map([
      [`${SITE}/moved`, 'sha256:1'],
      [`${SITE}/retired`, 'sha256:2'],
      [`${SITE}/kept`, 'lastmod:2026-05-05'],
      [`${SITE}/unlisted`, 'lastmod:2026-01-01'],
    ]);
    const changes = await site().provider.changes(known, signal());

    expect(changes.upserts).toEqual([]);
    expect(changes.deletes.sort()).toEqual([`${SITE}/moved`, `${SITE}/retired`, `${SITE}/unlisted`]);
  });

  it('an unchanged lastmod is not fetched again, and a known ETag is asked with If-None-Match (304 = unchanged)', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(404)
      .get('/sitemap.xml')
      .reply(200, sitemap([{ loc: `${SITE}/dated`, lastmod: '2026-02-02' }, { loc: `${SITE}/tagged` }]))
      .get('/tagged')
      .matchHeader('if-none-match', '"abc"')
      .reply(304);

    const known = new Map([
      [`${SITE}/dated`, 'lastmod:2026-02-02'],
      [`${SITE}/tagged`, 'etag:"abc"'],
    ]);
    const changes = await site().provider.changes(known, signal());
    expect(changes).toEqual({ upserts: [], deletes: [] });
  });

  it('reads at most max_pages pages and says how many the sitemap had', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(404)
      .get('/sitemap.xml')
      .reply(200, sitemap([1, 2, 3].map((n) => ({ loc: `${SITE}/p${n}`, lastmod: '2026-01-01' }))))
      .get('/p1')
      .reply(200, html('P1', '<p>1</p>'), HTML)
      .get('/p2')
      .reply(200, html('P2', '<p>2</p>'), HTML);

    const changes = await site({ maxPages: 2 }).provider.changes(new Map(), signal());
    expect(changes.upserts.map((d) => d.title)).toEqual(['P1', 'P2']);
    expect(changes.problems).toEqual([
      { id: `${SITE}/sitemap.xml`, message: 'the sitemap lists 3 pages; the first 2 are read (max_pages)' },
    ]);
  });

  it('pages on another host and non-HTML answers are reported, not read', async () => {
    nock(SITE)
      .get('/robots.txt')
      .reply(404)
      .get('/sitemap.xml')
      .reply(200, sitemap([{ loc: 'https://elsewhere.example.org/x' }, { loc: `${SITE}/manual.pdf` }]))
      .get('/manual.pdf')
      .reply(200, '%PDF-1.7', { 'content-type': 'application/pdf' });

    const changes = await site().provider.changes(new Map(), signal());
    expect(changes.upserts).toEqual([]);
    expect(changes.problems).toEqual([
      { id: 'https://elsewhere.example.org/x', message: `left out: not on ${SITE}, the sitemap's site` },
      { id: `${SITE}/manual.pdf`, message: 'not an HTML page (application/pdf)' },
    ]);
  });

  it('a sitemap that cannot be read fails the whole sync (nothing is deleted)', async () => {
    nock(SITE).get('/robots.txt').reply(404).get('/sitemap.xml').reply(401, 'no');
    await expect(site().provider.changes(new Map([[`${SITE}/a`, 'x']]), signal())).rejects.toThrow(
      `the sitemap ${SITE}/sitemap.xml could not be read: answered HTTP 401`,
    );
  });
});
