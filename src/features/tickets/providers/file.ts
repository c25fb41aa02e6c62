import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import MiniSearch from 'minisearch';
import { z } from 'zod';
import type { NewTicket, Ticket, TicketProvider, TicketQuery } from './types.js';

const CLOSED = new Set(['resolved', 'closed', 'done', 'cancelled', 'canceled']);

/** One ticket in the JSON file, with exactly the documented field names. */
const fileTicketSchema = z.object({
  id: z.string().regex(/^[A-Z][A-Z0-9_]*-\d+$/, { error: 'ticket ids look like SUP-101' }),
  project: z.string().min(1),
  title: z.string(),
  status: z.string().min(1),
  priority: z.string().nullable().default(null),
  assignee: z.string().nullable().default(null),
  requester_slack_id: z.string().nullable().default(null),
  requester_email: z.string().nullable().default(null),
  created_at: z.string(),
  updated_at: z.string(),
  description: z.string().default(''),
  url: z.string().nullable().default(null),
});
const ticketFileSchema = z.array(fileTicketSchema);
type FileTicket = z.infer<typeof fileTicketSchema>;

const toTicket = (t: FileTicket): Ticket => ({
  id: t.id,
  project: t.project,
  title: t.title,
  status: t.status,
  closed: CLOSED.has(t.status.toLowerCase()),
  priority: t.priority,
  assignee: t.assignee,
  requesterSlackId: t.requester_slack_id,
  requesterEmail: t.requester_email,
  createdAt: t.created_at,
  updatedAt: t.updated_at,
  description: t.description,
  url: t.url,
});

interface Snapshot {
  mtimeMs: number;
  tickets: FileTicket[];
  index: MiniSearch<FileTicket>;
}

/**
 * Tickets in a JSON array on disk: re-read when the file changes, searched with MiniSearch (BM25), new tickets
 * written back atomically. Meant for one instance: replicas would each write their own copy.
 */
export class FileTicketProvider implements TicketProvider {
  readonly name = 'file';
  private snapshot: Snapshot | undefined;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Reads and validates the file; throws a message naming the file and the bad entry. */
  async load(): Promise<FileTicket[]> {
    const { mtimeMs } = await stat(this.path);
    if (this.snapshot?.mtimeMs === mtimeMs) return this.snapshot.tickets;
    const parsed = ticketFileSchema.safeParse(JSON.parse(await readFile(this.path, 'utf8')));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${this.path}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? 'is invalid'}`);
    }
    const index = new MiniSearch<FileTicket>({
      fields: ['id', 'title', 'description', 'assignee'],
      storeFields: [],
      searchOptions: { boost: { id: 3, title: 2 }, prefix: true, fuzzy: 0.2 },
    });
    index.addAll(parsed.data);
    this.snapshot = { mtimeMs, tickets: parsed.data, index };
    return parsed.data;
  }

  async get(id: string): Promise<Ticket | undefined> {
    const wanted = id.trim().toUpperCase();
    const hit = (await this.load()).find((t) => t.id.toUpperCase() === wanted);
    return hit && toTicket(hit);
  }

  async search(q: TicketQuery): Promise<Ticket[]> {
    const tickets = (await this.load()).map(toTicket);
    const byId = new Map(tickets.map((t) => [t.id, t]));
    const matches = q.text?.trim()
      ? this.snapshot!.index.search(q.text).map((r) => byId.get(String(r.id))!)
      : [...tickets].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    return matches.filter((t) => !q.status || t.closed === (q.status === 'closed')).slice(0, q.limit);
  }

  create(input: NewTicket): Promise<Ticket> {
    const run = this.writes.then(async () => {
      const tickets = [...(await this.load())];
      const numbers = tickets.filter((t) => t.project === input.project).map((t) => Number(t.id.split('-').pop()));
      const now = this.now().toISOString();
      const ticket: FileTicket = {
        id: `${input.project}-${Math.max(100, ...numbers) + 1}`,
        project: input.project,
        title: input.title,
        status: 'open',
        priority: input.priority,
        assignee: null,
        requester_slack_id: input.requester.slackId,
        requester_email: input.requester.email ?? null,
        created_at: now,
        updated_at: now,
        description: input.description,
        url: null,
      };
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify([...tickets, ticket], null, 2)}\n`);
      await rename(tmp, this.path);
      // The file's mtime can equal the cached one (coarse timestamps), so the cache must not be trusted after a write.
      this.snapshot = undefined;
      return toTicket(ticket);
    });
    this.writes = run.catch(() => undefined);
    return run;
  }
}
