import { z } from 'zod';
import type { KnowledgeProvider, SourceChanges } from '../contracts.js';
import { htmlToMarkdown } from './html-markdown.js';
import { diffListing, type Listed } from './listing-diff.js';
import { SourceHttp } from './source-http.js';

export interface ZendeskGuideOptions {
  name: string;
  subdomain: string;
  locale?: string;
  auth: { kind: 'api_token'; email: string; token: string } | { kind: 'oauth'; token: string };
  /** Named in messages about the credentials, never their values. */
  emailEnv: string;
  tokenEnv: string;
  /** For tests and proxies; defaults to https://{subdomain}.zendesk.com. */
  baseUrl?: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const articleSchema = z.object({
  id: z.number().int(),
  html_url: z.string().optional(),
  title: z.string(),
  body: z.string().nullish(),
  locale: z.string(),
  draft: z.boolean().default(false),
  updated_at: z.string(),
});
type Article = z.infer<typeof articleSchema>;
const pageSchema = z.object({ articles: z.array(articleSchema), next_page: z.string().nullish() });

interface ListedArticle extends Listed {
  article: Article;
}

/**
 * Zendesk Guide: the help center's published articles through GET /api/v2/help_center[/{locale}]/articles
 * (100 a page, `next_page`). The listing carries each body already, so "fetch only what changed" here means only
 * articles whose `updated_at` moved are converted to Markdown and re-indexed. Drafts are skipped, so an article
 * turned back into a draft, archived or deleted leaves the index.
 */
export class ZendeskGuideProvider implements KnowledgeProvider {
  readonly kind = 'zendesk_guide' as const;
  readonly name: string;
  private readonly http: SourceHttp;

  constructor(private readonly o: ZendeskGuideOptions) {
    this.name = o.name;
    const authorization =
      o.auth.kind === 'oauth'
        ? `Bearer ${o.auth.token}`
        : `Basic ${Buffer.from(`${o.auth.email}/token:${o.auth.token}`).toString('base64')}`;
    this.http = new SourceHttp({
      label: `Zendesk Guide source "${o.name}"`,
      baseUrl: o.baseUrl ?? `https://${o.subdomain}.zendesk.com`,
      auth: () => ({ authorization }),
      check401:
        o.auth.kind === 'oauth'
          ? `${o.tokenEnv} (an OAuth access token with the hc:read or read scope)`
          : `${o.emailEnv} (an agent's email) and ${o.tokenEnv} (an API token, with token access enabled in Admin Center)`,
      check403: 'that the user may read the help center (an agent or Guide admin) and its locale is enabled',
      sleep: o.sleep,
    });
  }

  async changes(known: ReadonlyMap<string, string>, signal: AbortSignal): Promise<SourceChanges> {
    const listed: ListedArticle[] = [];
    let next: string | undefined = this.o.locale
      ? `/api/v2/help_center/${encodeURIComponent(this.o.locale)}/articles.json`
      : '/api/v2/help_center/articles.json';
    let query: Record<string, number> | undefined = { per_page: 100 };
    while (next) {
      const res: z.infer<typeof pageSchema> = await this.http.json(
        { path: next, query, what: 'the help-center articles', signal },
        pageSchema,
      );
      for (const article of res.articles)
        if (!article.draft)
          // One article has a translation per locale; each is its own document.
          listed.push({ id: `${article.id}:${article.locale}`, version: article.updated_at, article });
      next = res.next_page ?? undefined;
      query = undefined;
    }
    return diffListing(
      known,
      listed,
      async ({ id, article }) => ({
        id,
        title: article.title,
        url: article.html_url,
        text: await htmlToMarkdown(article.body ?? ''),
        version: article.updated_at,
      }),
      signal,
    );
  }
}
