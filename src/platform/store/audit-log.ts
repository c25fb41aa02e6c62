import { z } from 'zod';
import { parseStored } from '../../lib/stored-json.js';
import type { StoreKeys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** What the bot did on someone's behalf. */
export const AUDIT_ACTIONS = [
  'tool_call',
  'approval',
  'ticket_created',
  /** Written by the help-channel desk when a question is handed to on-call (button or /threadwise handoff). */
  'handoff',
  'admin_change',
  'forget_me',
  /** An editor saved a thread's answer as approved (knowledge.editors), or deleted one. */
  'approved_answer_saved',
  'approved_answer_deleted',
] as const;

const auditEntrySchema = z.object({
  at: z.number(),
  teamId: z.string(),
  action: z.enum(AUDIT_ACTIONS),
  /** The person the bot acted for (or the admin who changed something). */
  actor: z.string(),
  channel: z.string().optional(),
  threadTs: z.string().optional(),
  tool: z.string().optional(),
  /** Arguments as the tool got them, with PII replaced by placeholders. */
  args: z.unknown().optional(),
  decision: z.enum(['allowed', 'denied']).optional(),
  /** The rule that decided (for denials: which one refused). */
  rule: z.string().optional(),
  outcome: z.string().optional(),
  resultChars: z.number().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});

export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type AuditRecord = AuditEntry & { id: string };

export interface AuditQuery {
  since: number;
  until?: number;
  teamId?: string;
  actor?: string;
  channel?: string;
}

/**
 * The audit trail: one record per action, oldest first, kept for `audit.retention_days` (older records are trimmed
 * as new ones arrive). In Redis a stream (XADD … MINID), shared by every replica.
 */
export interface AuditLog {
  record(entry: Omit<AuditEntry, 'at'> & { at?: number }): Promise<void>;
  query(q: AuditQuery): Promise<AuditRecord[]>;
  /** forget-me: deletes the records about this person; returns how many. */
  forgetPerson(teamId: string, userId: string): Promise<number>;
}

const matches = (q: AuditQuery) => (e: AuditEntry) =>
  e.at >= q.since &&
  (q.until === undefined || e.at <= q.until) &&
  (!q.teamId || e.teamId === q.teamId) &&
  (!q.actor || e.actor === q.actor) &&
  (!q.channel || e.channel === q.channel);

/**
 * Stream ids carry Redis's clock, records the replica's: the range read is widened by this much so a replica whose
 * clock runs ahead loses nothing at the edges; each record's own time then decides.
 */
const CLOCK_SKEW_MS = 3_600_000;

/** Reads this many stream entries per round trip while scanning. */
const PAGE = 500;

export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
    private readonly retentionMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  async record(entry: Omit<AuditEntry, 'at'> & { at?: number }): Promise<void> {
    const at = entry.at ?? this.now();
    const full = auditEntrySchema.parse({ ...entry, at });
    // MINID: entries older than the retention go as new ones are added; exact, so a record past the policy is
    // really gone (each is removed once, so the cost stays proportional to what is written).
    await this.redis.xadd(this.keys.audit, 'MINID', String(at - this.retentionMs()), '*', 'e', JSON.stringify(full));
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    for await (const page of this.pages(q.since - CLOCK_SKEW_MS, q.until && q.until + CLOCK_SKEW_MS)) {
      for (const r of page) if (matches(q)(r)) out.push(r);
    }
    return out;
  }

  async forgetPerson(teamId: string, userId: string): Promise<number> {
    let removed = 0;
    for await (const page of this.pages(0)) {
      const ids = page.filter((r) => r.teamId === teamId && r.actor === userId).map((r) => r.id);
      if (ids.length) removed += await this.redis.xdel(this.keys.audit, ...ids);
    }
    return removed;
  }

  private async *pages(since: number, until?: number): AsyncGenerator<AuditRecord[]> {
    let start = String(Math.max(0, Math.floor(since)));
    const end = until === undefined ? '+' : String(Math.floor(until));
    for (;;) {
      const batch = await this.redis.xrange(this.keys.audit, start, end, 'COUNT', PAGE);
      if (!batch.length) return;
      yield batch.flatMap(([id, fields]) => {
        const e = parseStored(auditEntrySchema, fields[1] ?? '');
        return e ? [{ ...e, id }] : [];
      });
      if (batch.length < PAGE) return;
      start = `(${batch[batch.length - 1]![0]}`;
    }
  }
}

/** Without Redis: the same trail in memory, for one process. */
export class MemoryAuditLog implements AuditLog {
  private readonly entries: AuditRecord[] = [];
  private seq = 0;

  constructor(
    private readonly retentionMs: () => number,
    private readonly now: () => number = Date.now,
  ) {}

  async record(entry: Omit<AuditEntry, 'at'> & { at?: number }): Promise<void> {
    const at = entry.at ?? this.now();
    const full = auditEntrySchema.parse({ ...entry, at });
    this.entries.push({ ...full, id: `${at}-${this.seq++}` });
    const oldest = at - this.retentionMs();
    while (this.entries.length && this.entries[0]!.at < oldest) this.entries.shift();
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    return this.entries.filter(matches(q));
  }

  async forgetPerson(teamId: string, userId: string): Promise<number> {
    let removed = 0;
    for (let i = this.entries.length - 1; i >= 0; i--)
      if (this.entries[i]!.teamId === teamId && this.entries[i]!.actor === userId) {
        this.entries.splice(i, 1);
        removed++;
      }
    return removed;
  }
}
