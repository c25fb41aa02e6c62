import { z } from 'zod';
import { type HttpResponse, JsonHttpClient } from './http.js';
import type { NewTicket, Priority, Ticket, TicketProvider, TicketQuery } from './types.js';

export interface ZendeskOptions {
  subdomain: string;
  email: string;
  apiToken: string;
  /** Project key Zendesk tickets carry for access rules and ids (ZD-123). */
  project: string;
  /** For tests and proxies; defaults to https://{subdomain}.zendesk.com. */
  baseUrl?: string;
}

const PRIORITY: Record<Priority, string> = { low: 'low', medium: 'normal', high: 'high', urgent: 'urgent' };
const CLOSED = new Set(['solved', 'closed']);

const ticketSchema = z.object({
  id: z.number().int(),
  subject: z.string().nullish(),
  description: z.string().nullish(),
  status: z.string(),
  priority: z.string().nullish(),
  requester_id: z.number().int().nullish(),
  assignee_id: z.number().int().nullish(),
  created_at: z.string(),
  updated_at: z.string(),
});
const userSchema = z.object({ id: z.number().int(), name: z.string().nullish(), email: z.string().nullish() });
const showSchema = z.object({ ticket: ticketSchema, users: z.array(userSchema).default([]) });
const searchSchema = z.object({
  results: z.array(z.looseObject({ result_type: z.string().optional() })),
  users: z.array(userSchema).default([]),
  next_page: z.string().nullish(),
});
const createdSchema = z.object({ ticket: ticketSchema });

/** Zendesk Support API v2 with an agent email and API token ({email}/token:{token}, Basic). */
export class ZendeskProvider implements TicketProvider {
  readonly name = 'zendesk';
  private readonly http: JsonHttpClient;
  private readonly base: string;

  constructor(private readonly o: ZendeskOptions) {
    this.base = o.baseUrl ?? `https://${o.subdomain}.zendesk.com`;
    this.http = new JsonHttpClient({
      service: 'Zendesk',
      baseUrl: this.base,
      headers: { authorization: `Basic ${Buffer.from(`${o.email}/token:${o.apiToken}`).toString('base64')}` },
    });
  }

  /** Accepts 123, #123 and ZD-123. */
  private number(id: string): string | undefined {
    const m = new RegExp(`^(?:#|${this.o.project}-)?(\\d+)$`, 'i').exec(id.trim());
    return m?.[1];
  }

  async get(id: string, signal: AbortSignal): Promise<Ticket | undefined> {
    const n = this.number(id);
    if (!n) return undefined;
    const res = await this.http.request({
      path: `/api/v2/tickets/${n}.json`,
      query: { include: 'users' },
      schema: showSchema,
      signal,
    });
    return res && this.toTicket(res.data.ticket, res.data.users);
  }

  async search(q: TicketQuery, signal: AbortSignal): Promise<Ticket[]> {
    const parts = ['type:ticket'];
    if (q.status) parts.push(q.status === 'closed' ? 'status>=solved' : 'status<solved');
    if (q.text?.trim()) parts.push(q.text.replace(/[:<>=]/g, ' ').trim());
    const out: Ticket[] = [];
    let next: string | undefined = '/api/v2/search.json';
    let first = true;
    while (next && out.length < q.limit) {
      const query = first
        ? {
            query: parts.join(' '),
            sort_by: 'updated_at',
            sort_order: 'desc',
            per_page: Math.min(100, q.limit),
            include: 'tickets(users)',
          }
        : undefined;
      const res: HttpResponse<z.infer<typeof searchSchema>> = await this.http.require(
        { path: next, query, schema: searchSchema, signal },
        'the ticket search',
      );
      for (const r of res.data.results) {
        if (r.result_type !== undefined && r.result_type !== 'ticket') continue;
        const t = ticketSchema.safeParse(r);
        if (t.success) out.push(this.toTicket(t.data, res.data.users));
      }
      next = res.data.next_page ?? undefined;
      first = false;
    }
    return out.slice(0, q.limit);
  }

  async create(input: NewTicket, signal: AbortSignal): Promise<Ticket> {
    // The requester is matched by email; without one the ticket belongs to the API agent (agents and channels see it).
    const { requester } = input;
    const body = {
      ticket: {
        subject: input.title,
        comment: { body: `${input.description}\n\nRequested in Slack by ${requester.name}.` },
        priority: PRIORITY[input.priority],
        ...(requester.email ? { requester: { name: requester.name, email: requester.email } } : {}),
      },
    };
    const res = await this.http.require(
      { method: 'POST', path: '/api/v2/tickets.json', body, schema: createdSchema, signal },
      'the new ticket',
    );
    const created = await this.get(String(res.data.ticket.id), signal);
    return created ?? this.toTicket(res.data.ticket, []);
  }

  private toTicket(t: z.infer<typeof ticketSchema>, users: Array<z.infer<typeof userSchema>>): Ticket {
    const person = (id: number | null | undefined) => (id == null ? undefined : users.find((u) => u.id === id));
    return {
      id: `${this.o.project}-${t.id}`,
      project: this.o.project,
      title: t.subject ?? '',
      status: t.status,
      closed: CLOSED.has(t.status),
      priority: t.priority ?? null,
      assignee: person(t.assignee_id)?.name ?? null,
      requesterSlackId: null,
      requesterEmail: person(t.requester_id)?.email ?? null,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
      description: (t.description ?? '').trim(),
      url: `${this.base}/agent/tickets/${t.id}`,
    };
  }
}
