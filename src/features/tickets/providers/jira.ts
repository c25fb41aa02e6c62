import { z } from 'zod';
import { JsonHttpClient } from './http.js';
import {
  type NewTicket,
  type Priority,
  requesterFromMarker,
  requesterMarker,
  type Ticket,
  type TicketProvider,
  type TicketQuery,
} from './types.js';

export interface JiraOptions {
  baseUrl: string;
  email: string;
  apiToken: string;
  issueType?: string;
}

const FIELDS = 'summary,status,priority,assignee,reporter,created,updated,description,project';
const PRIORITY: Record<Priority, string> = { low: 'Low', medium: 'Medium', high: 'High', urgent: 'Highest' };

const user = z
  .object({ accountId: z.string().optional(), displayName: z.string().optional(), emailAddress: z.string().optional() })
  .nullish();
const myselfSchema = z.object({ accountId: z.string() });
const issueSchema = z.object({
  key: z.string(),
  fields: z.object({
    summary: z.string().nullish(),
    status: z.object({ name: z.string(), statusCategory: z.object({ key: z.string() }).optional() }),
    priority: z.object({ name: z.string() }).nullish(),
    assignee: user,
    reporter: user,
    created: z.string(),
    updated: z.string(),
    description: z.unknown().optional(),
    project: z.object({ key: z.string() }),
  }),
});
const searchSchema = z.object({
  issues: z.array(issueSchema),
  nextPageToken: z.string().nullish(),
  isLast: z.boolean().optional(),
});
const createdSchema = z.object({ key: z.string() });

interface AdfNode {
  type?: string;
  text?: string;
  content?: AdfNode[];
  attrs?: { text?: string };
}
const BLOCKS = new Set(['paragraph', 'heading', 'codeBlock', 'blockquote', 'listItem', 'rule', 'panel', 'tableRow']);

/** Atlassian Document Format → plain text: the words and line structure, no styling. */
function adfToText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (!node || typeof node !== 'object') return '';
  const n = node as AdfNode;
  if (n.type === 'text') return n.text ?? '';
  if (n.type === 'hardBreak') return '\n';
  if (n.type === 'mention' || n.type === 'emoji') return n.attrs?.text ?? '';
  const inner = (n.content ?? []).map(adfToText).join('');
  return BLOCKS.has(n.type ?? '') ? `${inner.replace(/\n+$/, '')}\n` : inner;
}

function textToAdf(text: string): unknown {
  const paragraphs = text.split(/\n{2,}/).filter((p) => p.trim());
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] })),
  };
}

/** JQL text search treats these as Lucene syntax; a user's words should not be. */
const jqlWords = (s: string) =>
  s
    .replace(/[+\-&|!(){}[\]^~*?\\:"]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Jira Cloud REST v3, authenticated with an account email and API token (Basic). */
export class JiraProvider implements TicketProvider {
  readonly name = 'jira';
  private readonly http: JsonHttpClient;
  private self: Promise<string> | undefined;

  constructor(private readonly o: JiraOptions) {
    this.http = new JsonHttpClient({
      service: 'Jira',
      baseUrl: o.baseUrl,
      headers: { authorization: `Basic ${Buffer.from(`${o.email}:${o.apiToken}`).toString('base64')}` },
    });
  }

  async get(id: string, signal: AbortSignal): Promise<Ticket | undefined> {
    const key = id.trim().toUpperCase();
    if (!/^[A-Z][A-Z0-9_]*-\d+$/.test(key)) return undefined;
    const res = await this.http.request({
      path: `/rest/api/3/issue/${encodeURIComponent(key)}`,
      query: { fields: FIELDS },
      schema: issueSchema,
      signal,
    });
    return res && this.toTicket(res.data, await this.selfId(signal));
  }

  async search(q: TicketQuery, signal: AbortSignal): Promise<Ticket[]> {
    const clauses: string[] = [];
    const words = q.text ? jqlWords(q.text) : '';
    if (words) clauses.push(`text ~ "${words}"`);
    if (q.status) clauses.push(q.status === 'closed' ? 'statusCategory = Done' : 'statusCategory != Done');
    // The enhanced search refuses unbounded queries.
    if (!words) clauses.push('updated >= -365d');
    const jql = `${clauses.join(' AND ')} ORDER BY updated DESC`;
    const out: Ticket[] = [];
    let token: string | undefined;
    do {
      const maxResults = Math.min(50, q.limit - out.length);
      const res = await this.http.require(
        {
          path: '/rest/api/3/search/jql',
          query: { jql, fields: FIELDS, maxResults, nextPageToken: token },
          schema: searchSchema,
          signal,
        },
        'the issue search',
      );
      const self = await this.selfId(signal);
      out.push(...res.data.issues.map((i) => this.toTicket(i, self)));
      token = res.data.isLast === true ? undefined : (res.data.nextPageToken ?? undefined);
    } while (token && out.length < q.limit);
    return out.slice(0, q.limit);
  }

  async create(input: NewTicket, signal: AbortSignal): Promise<Ticket> {
    const text = `${input.description}\n\nRequested in Slack by ${input.requester.name}${input.requester.email ? ` (${input.requester.email})` : ''}.\n\n${requesterMarker(input.requester.slackId)}`;
    const body = {
      fields: {
        project: { key: input.project },
        summary: input.title,
        issuetype: { name: this.o.issueType ?? 'Task' },
        priority: { name: PRIORITY[input.priority] },
        description: textToAdf(text),
      },
    };
    const created = await this.http.require(
      { method: 'POST', path: '/rest/api/3/issue', body, schema: createdSchema, signal },
      'the new issue',
    );
    const ticket = await this.get(created.data.key, signal);
    if (!ticket) throw new Error(`Jira created ${created.data.key} but cannot show it`);
    return ticket;
  }

  /** The integration's own account: only tickets it reported can carry a trusted Slack requester marker. */
  private selfId(signal: AbortSignal): Promise<string> {
    this.self ??= this.http
      .require({ path: '/rest/api/3/myself', schema: myselfSchema, signal }, 'the API account')
      .then((r) => r.data.accountId);
    this.self.catch(() => (this.self = undefined));
    return this.self;
  }

  private toTicket(issue: z.infer<typeof issueSchema>, selfId: string): Ticket {
    const f = issue.fields;
    const description = adfToText(f.description).trim();
    const botReported = f.reporter?.accountId !== undefined && f.reporter.accountId === selfId;
    return {
      id: issue.key,
      project: f.project.key,
      title: f.summary ?? '',
      status: f.status.name,
      closed: f.status.statusCategory?.key === 'done',
      priority: f.priority?.name ?? null,
      assignee: f.assignee?.displayName ?? null,
      requesterSlackId: botReported ? requesterFromMarker(description) : null,
      requesterEmail: f.reporter?.emailAddress ?? null,
      createdAt: f.created,
      updatedAt: f.updated,
      description: description.replace(/<!-- threadwise:requester=[A-Z0-9]+ -->/g, '').trim(),
      url: `${this.o.baseUrl.replace(/\/$/, '')}/browse/${issue.key}`,
    };
  }
}
