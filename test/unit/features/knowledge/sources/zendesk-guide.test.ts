import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZendeskGuideProvider } from '../../../../../src/features/knowledge/sources/zendesk-guide.js';
import { none, retryClock, signal } from './helpers.js';

const BASE = 'https://acme.zendesk.com';
const TOKEN = ['zd', 'test', 'value'].join('-');
type Auth = ConstructorParameters<typeof ZendeskGuideProvider>[0]['auth'];
const guide = (o: { auth?: Auth; locale?: string; sleep?: (ms: number, s?: AbortSignal) => Promise<void> } = {}) =>
  new ZendeskGuideProvider({
    name: 'help',
    subdomain: 'acme',
    locale: o.locale,
    auth: o.auth ?? { kind: 'api_token', email: 'agent@acme.test', token: TOKEN },
    emailEnv: 'ZENDESK_GUIDE_EMAIL',
    tokenEnv: 'ZENDESK_GUIDE_TOKEN',
    sleep: o.sleep,
  });

/** An article as GET /api/v2/help_center/{locale}/articles returns it. */
function article(id: number, title: string, updated: string, body: string, over: Record<string, unknown> = {}) {
  return {
    id,
    url: `${BASE}/api/v2/help_center/en-us/articles/${id}.json`,
    html_url: `${BASE}/hc/en-us/articles/${id}-${title.replace(/ /g, '-')}`,
    author_id: 3465,
    comments_disabled: false,
    draft: false,
    promoted: false,
    position: 0,
    vote_sum: 0,
    vote_count: 0,
    section_id: 98838,
    created_at: '2026-01-10T09:00:00Z',
    updated_at: updated,
    edited_at: updated,
    name: title,
    title,
    source_locale: 'en-us',
    locale: 'en-us',
    outdated: false,
    outdated_locales: [],
    permission_group_id: 123,
    user_segment_id: null,
    label_names: ['billing'],
    content_tag_ids: [],
    body,
    ...over,
  };
}
function page(articles: unknown[], n: number, next: string | null) {
  return {
    articles,
    page: n,
    previous_page: null,
    next_page: next,
    per_page: 100,
    page_count: 2,
    count: 3,
    sort_by: 'position',
    sort_order: 'asc',
  };
}
const basic = `Basic ${Buffer.from(`agent@acme.test/token:${TOKEN}`).toString('base64')}`;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('Zendesk Guide source', () => {
  it('reads the published articles of a locale across next_page links, as Markdown', async () => {
    nock(BASE, { reqheaders: { authorization: basic } })
      .get('/api/v2/help_center/en-us/articles.json')
      .query({ per_page: '100' })
      .reply(
        200,
        page(
          [
            article(
              201,
              'Refunds',
              '2026-11-02T10:00:00Z',
              '<h2>Who</h2><p>Customers within <strong>30 days</strong>.</p>',
            ),
            article(202, 'Unreleased plan', '2026-11-02T10:00:00Z', '<p>Secret</p>', { draft: true }),
          ],
          1,
          `${BASE}/api/v2/help_center/en-us/articles.json?page=2&per_page=100`,
        ),
      )
      .get('/api/v2/help_center/en-us/articles.json')
      .query({ page: '2', per_page: '100' })
      .reply(200, page([article(203, 'Shipping', '2026-11-03T08:00:00Z', '<ul><li>EU: 2 days</li></ul>')], 2, null));

    const { upserts, deletes } = await guide({ locale: 'en-us' }).changes(none, signal());

    expect(deletes).toEqual([]);
    expect(upserts).toEqual([
      {
        id: '201:en-us',
        title: 'Refunds',
        url: `${BASE}/hc/en-us/articles/201-Refunds`,
        text: '## Who\n\nCustomers within **30 days**.',
        version: '2026-11-02T10:00:00Z',
      },
      {
        id: '203:en-us',
        title: 'Shipping',
        url: `${BASE}/hc/en-us/articles/203-Shipping`,
        text: '-   EU: 2 days',
        version: '2026-11-03T08:00:00Z',
      },
    ]);
  });

  it('re-indexes only articles whose updated_at moved, and deletes drafts and removed articles', async () => {
    nock(BASE)
      .get('/api/v2/help_center/articles.json')
      .query({ per_page: '100' })
      .reply(
        200,
        page(
          [
            article(201, 'Refunds', '2026-11-02T10:00:00Z', '<p>Unchanged</p>'),
            article(203, 'Shipping', '2026-11-04T08:00:00Z', '<p>EU: 3 days</p>'),
            article(204, 'Returns', '2026-11-04T09:00:00Z', '<p>Back to draft</p>', { draft: true }),
          ],
          1,
          null,
        ),
      );
    const known = new Map([
      ['201:en-us', '2026-11-02T10:00:00Z'],
      ['203:en-us', '2026-11-03T08:00:00Z'],
      ['204:en-us', '2026-11-01T08:00:00Z'],
      ['205:en-us', '2026-10-01T08:00:00Z'],
    ]);
    const { upserts, deletes } = await guide().changes(known, signal());
    expect(upserts.map((d) => [d.id, d.version, d.text])).toEqual([
      ['203:en-us', '2026-11-04T08:00:00Z', 'EU: 3 days'],
    ]);
    expect(deletes).toEqual(['204:en-us', '205:en-us']);
  });

  it('sends an OAuth access token as a bearer token', async () => {
    nock(BASE, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/api/v2/help_center/articles.json')
      .query(true)
      .reply(200, page([], 1, null));
    expect(await guide({ auth: { kind: 'oauth', token: TOKEN } }).changes(none, signal())).toEqual({
      upserts: [],
      deletes: [],
    });
  });

  it('names the email and token variables, never the token, when Zendesk refuses them (401)', async () => {
    nock(BASE).get('/api/v2/help_center/articles.json').query(true).reply(401, { error: "Couldn't authenticate you" });
    const err = await guide()
      .changes(none, signal())
      .then(
        () => new Error('the sync succeeded'),
        (e: Error) => e,
      );
    expect(err.message).toBe(
      'Zendesk Guide source "help" refused the credentials (HTTP 401): check ZENDESK_GUIDE_EMAIL (an agent\'s email) and ZENDESK_GUIDE_TOKEN (an API token, with token access enabled in Admin Center)',
    );
    expect(err.message).not.toContain(TOKEN);
  });

  it('says who may read the help center when Zendesk forbids it (403)', async () => {
    nock(BASE).get('/api/v2/help_center/articles.json').query(true).reply(403, {
      error: 'Forbidden',
      description:
        'You do not have access to this page. Please contact the account owner of this help desk for further help.',
    });
    await expect(guide().changes(none, signal())).rejects.toThrow(
      'Zendesk Guide source "help" may not read the help-center articles (HTTP 403): check that the user may read the help center (an agent or Guide admin) and its locale is enabled',
    );
  });

  it('waits out a 429 and then a 503 as long as each Retry-After asks, keeping the page it was on', async () => {
    const clock = retryClock();
    try {
      const page2 = `${BASE}/api/v2/help_center/articles.json?page=2&per_page=100`;
      const second = () => nock(BASE).get('/api/v2/help_center/articles.json').query({ page: '2', per_page: '100' });
      nock(BASE)
        .get('/api/v2/help_center/articles.json')
        .query({ per_page: '100' })
        .reply(200, page([], 1, page2));
      second().reply(429, 'Too Many Requests', { 'Retry-After': '30' });
      const unavailable = second().reply(503, '', { 'Retry-After': '5' });
      const ok = second().reply(
        200,
        page([article(203, 'Shipping', '2026-11-03T08:00:00Z', '<p>EU: 2 days</p>')], 2, null),
      );

      const result = guide({ sleep: clock.sleep }).changes(none, signal());
      expect(await clock.waitStarted()).toBe(30_000);
      const next = clock.waitStarted();
      await clock.advance(29_999);
      expect(unavailable.isDone()).toBe(false);
      await clock.advance(1);
      expect(await next).toBe(5_000);
      await clock.advance(4_999);
      expect(ok.isDone()).toBe(false);
      await clock.advance(1);
      expect((await result).upserts.map((d) => d.id)).toEqual(['203:en-us']);
    } finally {
      clock.restore();
    }
  });
});
