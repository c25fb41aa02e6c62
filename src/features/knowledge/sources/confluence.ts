import { z } from 'zod';
import type { KnowledgeProvider, SourceChanges, SourceDocument } from '../contracts.js';
import { storageToHtml } from './confluence-storage.js';
import { htmlToMarkdown } from './html-markdown.js';
import { diffListing, type Listed } from './listing-diff.js';
import { SourceError, SourceHttp } from './source-http.js';

export interface ConfluenceOptions {
  name: string;
  /** https://acme.atlassian.net, without /wiki. */
  site: string;
  spaces: readonly string[];
  email: string;
  token: string;
  /** Named in messages about the credentials, never their values. */
  emailEnv: string;
  tokenEnv: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const id = z.union([z.string().min(1), z.number()]).transform(String);
const links = z.object({ next: z.string().nullish() }).default({});
const spacesSchema = z.object({ results: z.array(z.object({ id, key: z.string() })), _links: links });
const pageSummary = z.object({
  id,
  title: z.string(),
  status: z.string().optional(),
  version: z.object({ number: z.number().int() }),
  _links: z.object({ webui: z.string().optional() }).default({}),
});
const pagesSchema = z.object({ results: z.array(pageSummary), _links: links });
const pageSchema = pageSummary.extend({
  body: z.object({ storage: z.object({ value: z.string() }).optional() }).default({}),
  labels: z.object({ results: z.array(z.object({ name: z.string() })) }).optional(),
});

interface ListedPage extends Listed {
  space: string;
}

/**
 * Confluence Cloud through REST API v2: the current pages of the configured spaces (cursor pages via
 * `_links.next`), bodies in storage format fetched only for pages whose version number changed, with their labels.
 * Archived and trashed pages are not `current`, so they drop out of the listing and are deleted.
 */
export class ConfluenceProvider implements KnowledgeProvider {
  readonly kind = 'confluence' as const;
  readonly name: string;
  private readonly http: SourceHttp;
  private readonly site: string;

  constructor(private readonly o: ConfluenceOptions) {
    this.name = o.name;
    this.site = o.site.replace(/\/+$/, '');
    const basic = Buffer.from(`${o.email}:${o.token}`).toString('base64');
    this.http = new SourceHttp({
      label: `Confluence source "${o.name}"`,
      baseUrl: this.site,
      auth: () => ({ authorization: `Basic ${basic}` }),
      check401: `${o.emailEnv} (the Atlassian account's email) and ${o.tokenEnv} (an API token of that account)`,
      check403: `that the account may view the spaces ${o.spaces.join(', ')}`,
      sleep: o.sleep,
    });
  }

  async changes(known: ReadonlyMap<string, string>, signal: AbortSignal): Promise<SourceChanges> {
    const listed: ListedPage[] = [];
    for (const space of await this.spaceIds(signal)) listed.push(...(await this.pagesOf(space, signal)));
    return diffListing(known, listed, (page) => this.fetchPage(page, signal), signal);
  }

  /** Space keys to ids; a key the account cannot see is an error, not an empty space (that would delete it all). */
  private async spaceIds(signal: AbortSignal): Promise<{ id: string; key: string }[]> {
    const found: { id: string; key: string }[] = [];
    let next: string | undefined = '/wiki/api/v2/spaces';
    let query: Record<string, string | number> | undefined = { keys: this.o.spaces.join(','), limit: 250 };
    while (next) {
      const res: z.infer<typeof spacesSchema> = await this.http.json(
        { path: next, query, what: 'the list of spaces', signal },
        spacesSchema,
      );
      found.push(...res.results);
      next = res._links.next ?? undefined;
      query = undefined;
    }
    const missing = this.o.spaces.filter((key) => !found.some((s) => s.key === key));
    if (missing.length)
      throw new SourceError(
        'not_found',
        `Confluence source "${this.o.name}" cannot see the space ${missing.join(', ')}: check the key and that the account may view it`,
      );
    return found;
  }

  private async pagesOf(space: { id: string; key: string }, signal: AbortSignal): Promise<ListedPage[]> {
    const out: ListedPage[] = [];
    let next: string | undefined = `/wiki/api/v2/spaces/${encodeURIComponent(space.id)}/pages`;
    let query: Record<string, string | number> | undefined = { status: 'current', limit: 250 };
    while (next) {
      const res: z.infer<typeof pagesSchema> = await this.http.json(
        { path: next, query, what: `the pages of space ${space.key}`, signal },
        pagesSchema,
      );
      for (const p of res.results)
        if (!p.status || p.status === 'current')
          out.push({ id: p.id, version: String(p.version.number), space: space.key });
      // The next link keeps the query (and its cursor); adding ours again would only repeat it.
      next = res._links.next ?? undefined;
      query = undefined;
    }
    return out;
  }

  private async fetchPage(page: ListedPage, signal: AbortSignal): Promise<SourceDocument | undefined> {
    let res: z.infer<typeof pageSchema>;
    try {
      res = await this.http.json(
        {
          path: `/wiki/api/v2/pages/${encodeURIComponent(page.id)}`,
          query: { 'body-format': 'storage', 'include-labels': true },
          what: `page ${page.id}`,
          signal,
        },
        pageSchema,
      );
    } catch (err) {
      // Deleted between the listing and this fetch.
      if (err instanceof SourceError && err.reason === 'not_found') return undefined;
      throw err;
    }
    const body = await htmlToMarkdown(storageToHtml(res.body.storage?.value ?? ''));
    const labels = res.labels?.results.map((l) => l.name) ?? [];
    return {
      id: res.id,
      title: res.title,
      url: res._links.webui ? `${this.site}/wiki${res._links.webui}` : undefined,
      // Labels are how teams tag pages ("refunds", "onboarding"); kept in the text so searches find them.
      text: labels.length ? `${body}\n\nLabels: ${labels.join(', ')}` : body,
      version: String(res.version.number),
    };
  }
}
