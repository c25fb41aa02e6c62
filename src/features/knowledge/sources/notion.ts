import { z } from 'zod';
import type { KnowledgeProvider, SourceChanges, SourceDocument } from '../contracts.js';
import { diffListing, type Listed } from './listing-diff.js';
import { type Block, blockSchema, blocksToMarkdown, richTextSchema } from './notion-markdown.js';
import { SourceError, SourceHttp } from './source-http.js';

export interface NotionOptions {
  name: string;
  token: string;
  /** Named in messages about the credentials, never its value. */
  tokenEnv: string;
  /** Only these databases' pages; unset, every page shared with the integration. */
  databases?: readonly string[];
  /** For tests and proxies; defaults to https://api.notion.com. */
  baseUrl?: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The API version whose shapes this file reads (search, databases/{id}/query, blocks/{id}/children). */
export const NOTION_VERSION = '2022-06-28';
/** Blocks nest (toggles in toggles); past this depth the rest of a page is left out rather than fetched forever. */
const MAX_DEPTH = 6;

const pageSchema = z.looseObject({
  object: z.string(),
  id: z.string(),
  last_edited_time: z.string(),
  archived: z.boolean().default(false),
  in_trash: z.boolean().default(false),
  url: z.string().optional(),
  properties: z.record(z.string(), z.looseObject({ type: z.string() })).default({}),
});
type Page = z.infer<typeof pageSchema>;
const listSchema = <T extends z.ZodType>(item: T) =>
  z.object({ results: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullish() });
const pagesSchema = listSchema(pageSchema);
const blocksSchema = listSchema(blockSchema);
const titleSchema = z.object({ title: z.array(richTextSchema) });

interface ListedPage extends Listed {
  page: Page;
}

/**
 * Notion through its public API: the pages shared with the integration (POST /v1/search), or the pages of the
 * configured databases (POST /v1/databases/{id}/query), paged with start_cursor/has_more. `last_edited_time` is
 * the version; only changed pages have their blocks read (children paged and nested) and turned into Markdown.
 * Archived and trashed pages are left out, so they are deleted.
 */
export class NotionProvider implements KnowledgeProvider {
  readonly kind = 'notion' as const;
  readonly name: string;
  private readonly http: SourceHttp;

  constructor(private readonly o: NotionOptions) {
    this.name = o.name;
    this.http = new SourceHttp({
      label: `Notion source "${o.name}"`,
      baseUrl: o.baseUrl ?? 'https://api.notion.com',
      auth: () => ({ authorization: `Bearer ${o.token}` }),
      headers: { 'notion-version': NOTION_VERSION },
      check401: `${o.tokenEnv} (the internal integration's secret)`,
      check403: 'that the integration has the "Read content" capability',
      sleep: o.sleep,
    });
  }

  async changes(known: ReadonlyMap<string, string>, signal: AbortSignal): Promise<SourceChanges> {
    const pages = this.o.databases
      ? (await Promise.all(this.o.databases.map((db) => this.query(db, signal)))).flat()
      : await this.search(signal);
    const listed: ListedPage[] = pages
      .filter((p) => p.object === 'page' && !p.archived && !p.in_trash)
      .map((page) => ({ id: page.id, version: page.last_edited_time, page }));
    return diffListing(known, listed, (entry) => this.fetchPage(entry.page, signal), signal);
  }

  private search(signal: AbortSignal): Promise<Page[]> {
    return this.pages(
      '/v1/search',
      { filter: { property: 'object', value: 'page' } },
      'the pages shared with it',
      signal,
    );
  }

  private query(database: string, signal: AbortSignal): Promise<Page[]> {
    return this.pages(
      `/v1/databases/${encodeURIComponent(database)}/query`,
      {},
      `database ${database} (is it shared with the integration?)`,
      signal,
    );
  }

  private async pages(path: string, body: object, what: string, signal: AbortSignal): Promise<Page[]> {
    const out: Page[] = [];
    let cursor: string | undefined;
    do {
      const res: z.infer<typeof pagesSchema> = await this.http.json(
        { method: 'POST', path, body: { ...body, page_size: 100, start_cursor: cursor }, what, signal },
        pagesSchema,
      );
      out.push(...res.results);
      cursor = res.has_more ? (res.next_cursor ?? undefined) : undefined;
    } while (cursor);
    return out;
  }

  private async fetchPage(page: Page, signal: AbortSignal): Promise<SourceDocument | undefined> {
    let blocks: Block[];
    try {
      blocks = await this.children(page.id, 0, signal);
    } catch (err) {
      // Deleted, or no longer shared, between the listing and this fetch.
      if (err instanceof SourceError && err.reason === 'not_found') return undefined;
      throw err;
    }
    return {
      id: page.id,
      title: titleOf(page) || 'Untitled',
      url: page.url,
      text: blocksToMarkdown(blocks),
      version: page.last_edited_time,
    };
  }

  private async children(blockId: string, depth: number, signal: AbortSignal): Promise<Block[]> {
    const blocks: Block[] = [];
    let cursor: string | undefined;
    do {
      const res: z.infer<typeof blocksSchema> = await this.http.json(
        {
          path: `/v1/blocks/${encodeURIComponent(blockId)}/children`,
          query: { page_size: 100, start_cursor: cursor },
          what: `the content of block ${blockId}`,
          signal,
        },
        blocksSchema,
      );
      blocks.push(...res.results);
      cursor = res.has_more ? (res.next_cursor ?? undefined) : undefined;
    } while (cursor);
    // A child page is a page of its own, listed (and fetched) separately.
    for (const block of blocks)
      if (block.has_children && block.type !== 'child_page' && block.type !== 'child_database' && depth < MAX_DEPTH)
        block.children = await this.children(block.id, depth + 1, signal);
    return blocks;
  }
}

/** The one property of type `title` holds a page's name, whatever the database calls it. */
function titleOf(page: Page): string {
  for (const prop of Object.values(page.properties)) {
    if (prop.type !== 'title') continue;
    const parsed = titleSchema.safeParse(prop);
    if (parsed.success) return parsed.data.title.map((r) => r.plain_text).join('');
  }
  return '';
}
