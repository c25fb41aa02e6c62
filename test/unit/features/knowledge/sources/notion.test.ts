import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NotionProvider } from '../../../../../src/features/knowledge/sources/notion.js';
import { none, retryClock, signal } from './helpers.js';

const API = 'https://api.notion.com';
const SECRET = ['ntn', 'test', 'value'].join('_');
const notion = (over: { databases?: string[]; sleep?: (ms: number, s?: AbortSignal) => Promise<void> } = {}) =>
  new NotionProvider({ name: 'handbook', token: SECRET, tokenEnv: 'NOTION_TOKEN', ...over });

const PAGE_A = '59833787-2cf9-4fdf-8782-e53db20768a5';
const PAGE_B = '7d4a8c6e-1b2f-4a3e-9c5d-2e8f0a1b3c4d';
const PAGE_C = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';
const DB = 'd9824bdc84454327be8b5b47500af6ce';

const text = (content: string, annotations: Record<string, boolean> = {}, href: string | null = null) => ({
  type: 'text',
  text: { content, link: href ? { url: href } : null },
  annotations: {
    bold: false,
    italic: false,
    strikethrough: false,
    underline: false,
    code: false,
    color: 'default',
    ...annotations,
  },
  plain_text: content,
  href,
});

/** A page object as search and database queries return it. */
function page(id: string, title: string, edited: string, over: Record<string, unknown> = {}) {
  return {
    object: 'page',
    id,
    created_time: '2026-01-10T09:00:00.000Z',
    last_edited_time: edited,
    created_by: { object: 'user', id: 'ee5f0f84-409a-440f-983a-a5315961c6e4' },
    last_edited_by: { object: 'user', id: 'ee5f0f84-409a-440f-983a-a5315961c6e4' },
    cover: null,
    icon: null,
    parent: { type: 'workspace', workspace: true },
    archived: false,
    in_trash: false,
    properties: { title: { id: 'title', type: 'title', title: [text(title)] } },
    url: `https://www.notion.so/${title.replace(/ /g, '-')}-${id.replace(/-/g, '')}`,
    public_url: null,
    ...over,
  };
}

function block(id: string, type: string, body: Record<string, unknown>, hasChildren = false) {
  return {
    object: 'block',
    id,
    parent: { type: 'page_id', page_id: PAGE_A },
    created_time: '2026-01-10T09:00:00.000Z',
    last_edited_time: '2026-11-02T10:00:00.000Z',
    has_children: hasChildren,
    archived: false,
    in_trash: false,
    type,
    [type]: body,
  };
}
/** A paginated list response; block lists say `type: "block"`, search and queries `page_or_database`. */
function list(results: Array<{ object: string; [k: string]: unknown }>, next: string | null = null) {
  const type = results[0]?.object === 'block' ? 'block' : 'page_or_database';
  return { object: 'list', results, next_cursor: next, has_more: next !== null, type, [type]: {} };
}
const notionError = (status: number, code: string, message: string) => ({ object: 'error', status, code, message });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('Notion source', () => {
  it('reads every page shared with the integration across search pages, blocks (paged and nested) as Markdown', async () => {
    nock(API, { reqheaders: { authorization: `Bearer ${SECRET}`, 'notion-version': '2022-06-28' } })
      .post('/v1/search', { filter: { property: 'object', value: 'page' }, page_size: 100 })
      .reply(200, list([page(PAGE_A, 'Refund policy', '2026-11-02T10:00:00.000Z')], 'cursor-2'))
      .post('/v1/search', { filter: { property: 'object', value: 'page' }, page_size: 100, start_cursor: 'cursor-2' })
      .reply(
        200,
        list([
          page(PAGE_B, 'Old draft', '2026-10-01T10:00:00.000Z', { in_trash: true, archived: true }),
          { object: 'database', id: DB, last_edited_time: '2026-10-01T10:00:00.000Z', properties: {} },
        ]),
      );
    nock(API)
      .get(`/v1/blocks/${PAGE_A}/children`)
      .query({ page_size: '100' })
      .reply(
        200,
        list(
          [
            block('b1', 'heading_2', { rich_text: [text('Who can ask')], is_toggleable: false, color: 'default' }),
            block('b2', 'paragraph', {
              rich_text: [text('Customers within '), text('30 days', { bold: true }), text('.')],
            }),
            block('b3', 'bulleted_list_item', { rich_text: [text('Annual plans')] }, true),
          ],
          'blocks-2',
        ),
      )
      .get(`/v1/blocks/${PAGE_A}/children`)
      .query({ page_size: '100', start_cursor: 'blocks-2' })
      .reply(
        200,
        list([
          block('b4', 'code', { rich_text: [text('refund --id 42')], language: 'shell', caption: [] }),
          block('b5', 'child_page', { title: 'Appendix' }, true),
          block('b6', 'paragraph', { rich_text: [text('Ask '), text('billing', {}, 'https://acme.test/billing')] }),
        ]),
      )
      .get('/v1/blocks/b3/children')
      .query({ page_size: '100' })
      .reply(200, list([block('b3a', 'bulleted_list_item', { rich_text: [text('prorated', { italic: true })] })]));

    const { upserts, deletes } = await notion().changes(none, signal());

    expect(deletes).toEqual([]);
    expect(upserts).toEqual([
      {
        id: PAGE_A,
        title: 'Refund policy',
        url: `https://www.notion.so/Refund-policy-${PAGE_A.replace(/-/g, '')}`,
        text: [
          '## Who can ask',
          'Customers within **30 days**.',
          '- Annual plans\n  - *prorated*',
          '```shell\nrefund --id 42\n```',
          'Ask [billing](https://acme.test/billing)',
        ].join('\n\n'),
        version: '2026-11-02T10:00:00.000Z',
      },
    ]);
  });

  it('reads the blocks of new or changed database pages only, and deletes trashed ones', async () => {
    nock(API)
      .post(`/v1/databases/${DB}/query`, { page_size: 100 })
      .reply(
        200,
        list([
          page(PAGE_A, 'Refund policy', '2026-11-02T10:00:00.000Z'),
          page(PAGE_C, 'Shipping', '2026-11-03T08:00:00.000Z'),
          page(PAGE_B, 'Old draft', '2026-11-03T09:00:00.000Z', { in_trash: true }),
        ]),
      );
    // PAGE_A is unchanged: a request for its blocks would find no interceptor and fail the sync.
    const blocks = nock(API)
      .get(`/v1/blocks/${PAGE_C}/children`)
      .query(true)
      .reply(200, list([block('c1', 'to_do', { rich_text: [text('Label the box')], checked: true })]));

    const known = new Map([
      [PAGE_A, '2026-11-02T10:00:00.000Z'],
      [PAGE_B, '2026-10-01T10:00:00.000Z'],
    ]);
    const { upserts, deletes } = await notion({ databases: [DB] }).changes(known, signal());

    expect(blocks.isDone()).toBe(true);
    expect(upserts.map((d) => [d.id, d.title, d.text])).toEqual([[PAGE_C, 'Shipping', '- [x] Label the box']]);
    expect(deletes).toEqual([PAGE_B]);
  });

  it('says the database must be shared with the integration when Notion cannot find it', async () => {
    nock(API)
      .post(`/v1/databases/${DB}/query`)
      .reply(
        404,
        notionError(
          404,
          'object_not_found',
          `Could not find database with ID: ${DB}. Make sure the relevant pages and databases are shared with your integration.`,
        ),
      );
    await expect(notion({ databases: [DB] }).changes(none, signal())).rejects.toThrow(
      `Notion source "handbook" has no database ${DB} (is it shared with the integration?) (HTTP 404)`,
    );
  });

  it('names NOTION_TOKEN, never its value, when Notion refuses the token (401)', async () => {
    nock(API)
      .post('/v1/search')
      .reply(401, notionError(401, 'unauthorized', 'API token is invalid.'));
    const err = await notion()
      .changes(none, signal())
      .then(
        () => new Error('the sync succeeded'),
        (e: Error) => e,
      );
    expect(err.message).toBe(
      'Notion source "handbook" refused the credentials (HTTP 401): check NOTION_TOKEN (the internal integration\'s secret)',
    );
    expect(err.message).not.toContain(SECRET);
  });

  it('asks for the read capability when Notion forbids the read (403)', async () => {
    nock(API)
      .post('/v1/search')
      .reply(403, notionError(403, 'restricted_resource', 'Integration does not have access to this resource.'));
    await expect(notion().changes(none, signal())).rejects.toThrow(
      'Notion source "handbook" may not read the pages shared with it (HTTP 403): check that the integration has the "Read content" capability',
    );
  });

  it('waits out a 429 Retry-After while reading a page, then finishes it', async () => {
    const clock = retryClock();
    try {
      nock(API)
        .post('/v1/search')
        .reply(200, list([page(PAGE_C, 'Shipping', '2026-11-03T08:00:00.000Z')]));
      nock(API)
        .get(`/v1/blocks/${PAGE_C}/children`)
        .query(true)
        .reply(429, notionError(429, 'rate_limited', 'You have been rate limited.'), { 'Retry-After': '2' })
        .get(`/v1/blocks/${PAGE_C}/children`)
        .query(true)
        .reply(200, list([block('c1', 'paragraph', { rich_text: [text('Ships in 2 days.')] })]));

      const result = notion({ sleep: clock.sleep }).changes(none, signal());
      expect(await clock.waitStarted()).toBe(2_000);
      await clock.advance(1_999);
      expect(nock.pendingMocks()).toHaveLength(1);
      await clock.advance(1);
      expect((await result).upserts.map((d) => d.text)).toEqual(['Ships in 2 days.']);
    } finally {
      clock.restore();
    }
  });
});
