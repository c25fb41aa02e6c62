import { z } from 'zod';
import { JsonHttpClient } from './http.js';
import {
  type NewTicket,
  requesterFromMarker,
  requesterMarker,
  type Ticket,
  type TicketProvider,
  type TicketQuery,
} from './types.js';

export interface GitHubOptions {
  token: string;
  /** owner/name */
  repo: string;
  /** Project key the repository's issues carry for access rules and ids (SUPPORT-12). */
  project: string;
  apiUrl?: string;
}

const issueSchema = z.object({
  number: z.number().int(),
  title: z.string(),
  body: z.string().nullish(),
  state: z.string(),
  html_url: z.string(),
  user: z.object({ login: z.string() }).nullish(),
  assignee: z.object({ login: z.string() }).nullish(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string().nullish() })])).default([]),
  created_at: z.string(),
  updated_at: z.string(),
  pull_request: z.unknown().optional(),
});
const searchSchema = z.object({
  total_count: z.number().int(),
  incomplete_results: z.boolean().optional(),
  items: z.array(issueSchema),
});
const userSchema = z.object({ login: z.string() });

/** The URL of rel="next" in a Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

/** GitHub Issues of one repository over the REST API (pull requests are not tickets and are skipped). */
export class GitHubProvider implements TicketProvider {
  readonly name = 'github';
  private readonly http: JsonHttpClient;
  private self: Promise<string> | undefined;

  constructor(private readonly o: GitHubOptions) {
    this.http = new JsonHttpClient({
      service: 'GitHub',
      baseUrl: o.apiUrl ?? 'https://api.github.com',
      headers: {
        authorization: `Bearer ${o.token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'threadwise',
      },
    });
  }

  /** Accepts 12, #12, SUPPORT-12 and owner/repo#12. */
  private number(id: string): string | undefined {
    const repo = this.o.repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`^(?:#|${this.o.project}-|${repo}#)?(\\d+)$`, 'i').exec(id.trim())?.[1];
  }

  async get(id: string, signal: AbortSignal): Promise<Ticket | undefined> {
    const n = this.number(id);
    if (!n) return undefined;
    const res = await this.http.request({ path: `/repos/${this.o.repo}/issues/${n}`, schema: issueSchema, signal });
    if (!res || res.data.pull_request !== undefined) return undefined;
    return this.toTicket(res.data, await this.selfLogin(signal));
  }

  async search(q: TicketQuery, signal: AbortSignal): Promise<Ticket[]> {
    const terms = [`repo:${this.o.repo}`, 'is:issue'];
    if (q.status) terms.push(`state:${q.status}`);
    if (q.text?.trim()) terms.push(q.text.replace(/[:"]/g, ' ').trim());
    const out: Ticket[] = [];
    let next: string | undefined = '/search/issues';
    let first = true;
    while (next && out.length < q.limit) {
      const query = first
        ? {
            q: terms.join(' '),
            sort: 'updated',
            order: 'desc',
            per_page: Math.min(100, q.limit),
            advanced_search: 'true',
          }
        : undefined;
      const res = await this.http.require({ path: next, query, schema: searchSchema, signal }, 'the issue search');
      const self = await this.selfLogin(signal);
      out.push(...res.data.items.filter((i) => i.pull_request === undefined).map((i) => this.toTicket(i, self)));
      next = nextLink(res.headers.get('link'));
      first = false;
    }
    return out.slice(0, q.limit);
  }

  async create(input: NewTicket, signal: AbortSignal): Promise<Ticket> {
    const body = {
      title: input.title,
      body: `${input.description}\n\n_Requested in Slack by ${input.requester.name}._\n\n${requesterMarker(input.requester.slackId)}`,
      labels: [`priority: ${input.priority}`],
    };
    const res = await this.http.require(
      { method: 'POST', path: `/repos/${this.o.repo}/issues`, body, schema: issueSchema, signal },
      'the new issue',
    );
    return this.toTicket(res.data, await this.selfLogin(signal));
  }

  /** The token's account: only issues it opened can carry a trusted Slack requester marker. */
  private selfLogin(signal: AbortSignal): Promise<string> {
    this.self ??= this.http
      .require({ path: '/user', schema: userSchema, signal }, 'the token owner')
      .then((r) => r.data.login);
    this.self.catch(() => (this.self = undefined));
    return this.self;
  }

  private toTicket(i: z.infer<typeof issueSchema>, selfLogin: string): Ticket {
    const labels = i.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? '')));
    const priority = labels.map((l) => /^priority[:/ ]\s*(\w+)/i.exec(l)?.[1]).find(Boolean) ?? null;
    const body = i.body ?? '';
    return {
      id: `${this.o.project}-${i.number}`,
      project: this.o.project,
      title: i.title,
      status: i.state,
      closed: i.state === 'closed',
      priority: priority?.toLowerCase() ?? null,
      assignee: i.assignee?.login ?? null,
      requesterSlackId: i.user?.login === selfLogin ? requesterFromMarker(body) : null,
      requesterEmail: null,
      createdAt: i.created_at,
      updatedAt: i.updated_at,
      description: body.replace(/<!-- threadwise:requester=[A-Z0-9]+ -->/g, '').trim(),
      url: i.html_url,
    };
  }
}
