import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfluenceProvider } from '../../../../../src/features/knowledge/sources/confluence.js';
import { none, retryClock, signal } from './helpers.js';

const SITE = 'https://acme.atlassian.net';
const TOKEN = ['atl', 'test', 'value'].join('-');
const confluence = (sleep?: (ms: number, s?: AbortSignal) => Promise<void>) =>
  new ConfluenceProvider({
    name: 'wiki',
    site: SITE,
    spaces: ['HR'],
    email: 'bot@acme.test',
    token: TOKEN,
    emailEnv: 'CONFLUENCE_EMAIL',
    tokenEnv: 'CONFLUENCE_TOKEN',
    sleep,
  });

/** A page as GET /wiki/api/v2/spaces/{id}/pages returns it (PageBulk, without a body). */
function summary(id: string, title: string, version: number) {
  return {
    id,
    status: 'current',
    title,
    spaceId: '98304',
    parentId: '98305',
    parentType: 'page',
    authorId: '5b10ac8d82e05b22cc7d4ef5',
    createdAt: '2026-01-10T09:00:00.000Z',
    version: { createdAt: '2026-11-02T10:00:00.000Z', message: '', number: version, minorEdit: false },
    _links: {
      webui: `/spaces/HR/pages/${id}/${title.replace(/ /g, '+')}`,
      editui: `/pages/resumedraft.action?draftId=${id}`,
    },
  };
}

/** GET /wiki/api/v2/pages/{id}?body-format=storage&include-labels=true. */
function page(id: string, title: string, version: number, storage: string, labels: string[] = []) {
  return {
    ...summary(id, title, version),
    body: { storage: { representation: 'storage', value: storage } },
    labels: {
      results: labels.map((name, i) => ({ id: String(100 + i), name, prefix: 'global' })),
      meta: { hasMore: false, cursor: '' },
      _links: { self: `${SITE}/wiki/api/v2/pages/${id}/labels` },
    },
  };
}

const spaces = () =>
  nock(SITE)
    .get('/wiki/api/v2/spaces')
    .query({ keys: 'HR', limit: '250' })
    .reply(200, {
      results: [{ id: '98304', key: 'HR', name: 'Human Resources', type: 'global', status: 'current' }],
      _links: { base: `${SITE}/wiki` },
    });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('Confluence source', () => {
  it('reads every current page of a space across cursor pages, as Markdown with its labels and link', async () => {
    spaces();
    nock(SITE, { reqheaders: { authorization: `Basic ${Buffer.from(`bot@acme.test:${TOKEN}`).toString('base64')}` } })
      .get('/wiki/api/v2/spaces/98304/pages')
      .query({ status: 'current', limit: '250' })
      .reply(200, {
        results: [summary('1001', 'Travel policy', 3)],
        _links: {
          next: '/wiki/api/v2/spaces/98304/pages?status=current&limit=250&cursor=eyJpZCI6MTAwMX0',
          base: `${SITE}/wiki`,
        },
      })
      .get('/wiki/api/v2/spaces/98304/pages')
      .query({ status: 'current', limit: '250', cursor: 'eyJpZCI6MTAwMX0' })
      .reply(200, { results: [summary('1002', 'Expenses', 7)], _links: { base: `${SITE}/wiki` } });
    nock(SITE)
      .get('/wiki/api/v2/pages/1001')
      .query({ 'body-format': 'storage', 'include-labels': 'true' })
      .reply(
        200,
        page(
          '1001',
          'Travel policy',
          3,
          '<h2>Per diem</h2><p>Meals: 60 EUR a day. See <ac:link><ri:page ri:content-title="Expenses" /></ac:link>.</p>' +
            '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">text</ac:parameter>' +
            '<ac:plain-text-body><![CDATA[limit < 60]]></ac:plain-text-body></ac:structured-macro>',
          ['travel', 'finance'],
        ),
      )
      .get('/wiki/api/v2/pages/1002')
      .query({ 'body-format': 'storage', 'include-labels': 'true' })
      .reply(200, page('1002', 'Expenses', 7, '<p>File receipts within 30 days.</p>'));

    const { upserts, deletes } = await confluence().changes(none, signal());

    expect(deletes).toEqual([]);
    expect(upserts).toEqual([
      {
        id: '1001',
        title: 'Travel policy',
        url: `${SITE}/wiki/spaces/HR/pages/1001/Travel+policy`,
        text: '## Per diem\n\nMeals: 60 EUR a day. See Expenses.\n\n```\nlimit < 60\n```\n\nLabels: travel, finance',
        version: '3',
      },
      {
        id: '1002',
        title: 'Expenses',
        url: `${SITE}/wiki/spaces/HR/pages/1002/Expenses`,
        text: 'File receipts within 30 days.',
        version: '7',
      },
    ]);
  });

  it('fetches only the pages whose version changed and deletes pages that are gone', async () => {
    spaces();
    nock(SITE)
      .get('/wiki/api/v2/spaces/98304/pages')
      .query(true)
      .reply(200, { results: [summary('1001', 'Travel policy', 3), summary('1002', 'Expenses', 8)], _links: {} });
    // Only 1002 changed (7 → 8): a request for 1001's body would find no interceptor and fail the sync.
    const body = nock(SITE)
      .get('/wiki/api/v2/pages/1002')
      .query(true)
      .reply(200, page('1002', 'Expenses', 8, '<p>Within 45 days now.</p>'));

    const known = new Map([
      ['1001', '3'],
      ['1002', '7'],
      ['1003', '2'],
    ]);
    const { upserts, deletes } = await confluence().changes(known, signal());

    expect(body.isDone()).toBe(true);
    expect(upserts.map((d) => [d.id, d.version, d.text])).toEqual([['1002', '8', 'Within 45 days now.']]);
    // 1003 was archived or trashed: it is not `current` any more, so the listing no longer has it.
    expect(deletes).toEqual(['1003']);
  });

  it('treats a page deleted between the listing and its fetch as deleted', async () => {
    spaces();
    nock(SITE)
      .get('/wiki/api/v2/spaces/98304/pages')
      .query(true)
      .reply(200, { results: [summary('1004', 'Old FAQ', 2)], _links: {} });
    nock(SITE)
      .get('/wiki/api/v2/pages/1004')
      .query(true)
      .reply(404, { errors: [{ status: 404, code: 'NOT_FOUND', title: 'Not Found', detail: null }] });

    expect(await confluence().changes(new Map([['1004', '1']]), signal())).toEqual({ upserts: [], deletes: ['1004'] });
  });

  it('says which variables to check when Confluence refuses the credentials (401), without the token', async () => {
    nock(SITE).get('/wiki/api/v2/spaces').query(true).reply(401, {
      code: 401,
      message: 'Unauthorized; scope does not match',
    });
    const err = await confluence()
      .changes(none, signal())
      .then(
        () => new Error('the sync succeeded'),
        (e: Error) => e,
      );
    expect(err.message).toBe(
      'Confluence source "wiki" refused the credentials (HTTP 401): check CONFLUENCE_EMAIL (the Atlassian account\'s email) and CONFLUENCE_TOKEN (an API token of that account)',
    );
    expect(err.message).not.toContain(TOKEN);
  });

  it('says which spaces the account must be able to view when Confluence forbids the read (403)', async () => {
    spaces();
    nock(SITE)
      .get('/wiki/api/v2/spaces/98304/pages')
      .query(true)
      .reply(403, { errors: [{ status: 403, code: 'FORBIDDEN', title: 'Forbidden', detail: null }] });
    await expect(confluence().changes(none, signal())).rejects.toThrow(
      'Confluence source "wiki" may not read the pages of space HR (HTTP 403): check that the account may view the spaces HR',
    );
  });

  it('fails instead of deleting everything when a configured space cannot be seen', async () => {
    nock(SITE).get('/wiki/api/v2/spaces').query(true).reply(200, { results: [], _links: {} });
    await expect(confluence().changes(new Map([['1001', '3']]), signal())).rejects.toThrow(
      'Confluence source "wiki" cannot see the space HR: check the key and that the account may view it',
    );
  });

  it('waits as long as a 429 Retry-After asks, then goes on', async () => {
    const clock = retryClock();
    try {
      nock(SITE).get('/wiki/api/v2/spaces').query(true).reply(429, 'Rate limit exceeded', { 'Retry-After': '7' });
      spaces();
      nock(SITE).get('/wiki/api/v2/spaces/98304/pages').query(true).reply(200, { results: [], _links: {} });

      const result = confluence(clock.sleep).changes(new Map([['1001', '3']]), signal());
      expect(await clock.waitStarted()).toBe(7_000);
      await clock.advance(6_999);
      expect(nock.pendingMocks()).toHaveLength(2);
      await clock.advance(1);
      expect(await result).toEqual({ upserts: [], deletes: ['1001'] });
    } finally {
      clock.restore();
    }
  });

  it('stops waiting out a Retry-After when the sync is cancelled', async () => {
    const clock = retryClock();
    try {
      nock(SITE).get('/wiki/api/v2/spaces').query(true).reply(429, '', { 'Retry-After': '60' });
      const stop = new AbortController();
      const result = confluence(clock.sleep).changes(none, stop.signal);
      expect(await clock.waitStarted()).toBe(60_000);
      stop.abort(new Error('shutting down'));
      await expect(result).rejects.toThrow('shutting down');
    } finally {
      clock.restore();
    }
  });

  it('gives up at once when a Retry-After is longer than a sync should wait', async () => {
    nock(SITE).get('/wiki/api/v2/spaces').query(true).reply(429, '', { 'Retry-After': '3600' });
    await expect(confluence().changes(none, signal())).rejects.toThrow(
      'Confluence source "wiki" is rate-limiting requests; it asks to wait 3600 s',
    );
  });
});
