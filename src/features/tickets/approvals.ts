import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type Phrase, say } from '../../i18n/phrase.js';
import type { Translator } from '../../i18n/translators.js';
import { parseStored } from '../../lib/stored-json.js';
import type { ApprovalStore } from '../../platform/store/types.js';
import { type ToolContext, ToolError } from '../../platform/tools/types.js';
import type { AuditTrail } from '../audit/trail.js';
import { type NewTicket, PRIORITIES, type Ticket, type TicketProvider } from './providers/types.js';

const pendingSchema = z.object({
  id: z.string(),
  teamId: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  userId: z.string(),
  userName: z.string(),
  ticket: z.object({
    project: z.string(),
    title: z.string(),
    description: z.string(),
    priority: z.enum(PRIORITIES),
    requester: z.object({ slackId: z.string(), name: z.string(), email: z.string().optional() }),
  }),
  expiresAt: z.number(),
});
export type PendingApproval = z.infer<typeof pendingSchema>;

/** Shows a pending approval to the user (the Slack card); the approval is only valid once shown. */
export interface ApprovalCards {
  post(approval: PendingApproval): Promise<void>;
}

export type Decision =
  | { kind: 'expired' }
  | { kind: 'wrong_user'; ownerId: string }
  | { kind: 'cancelled'; approval: PendingApproval }
  | { kind: 'created'; approval: PendingApproval; ticket: Ticket }
  /** `message`: why, for people; absent when the ticket system did not answer in time. */
  | { kind: 'failed'; approval: PendingApproval; message?: Phrase };

export interface ApprovalsOptions {
  ttlSeconds: number;
  timeoutMs: number;
  now?: () => number;
  /** Records each click (who, when, what came of it) and each ticket created. */
  audit?: Pick<AuditTrail, 'record'>;
}

/**
 * Writes that need a human: the model's create_ticket only files a request; the asking user's Approve click, checked
 * here against the stored requester, runs it. Requests live in the store with a TTL and are taken atomically.
 */
export class TicketApprovals {
  constructor(
    private readonly store: ApprovalStore,
    private readonly cards: ApprovalCards,
    private readonly provider: TicketProvider,
    private readonly o: ApprovalsOptions,
    private readonly log: Logger,
  ) {}

  async request(ctx: ToolContext, ticket: NewTicket): Promise<PendingApproval> {
    const now = this.o.now?.() ?? Date.now();
    const approval: PendingApproval = {
      id: randomBytes(12).toString('hex'),
      teamId: ctx.teamId,
      channel: ctx.channel,
      threadTs: ctx.threadTs,
      userId: ctx.user.id,
      userName: ctx.user.name,
      ticket,
      expiresAt: now + this.o.ttlSeconds * 1000,
    };
    return openApproval(this.store, this.cards, approval, this.o.ttlSeconds);
  }

  async decide(
    id: string,
    clicker: { teamId: string; userId: string },
    action: 'approve' | 'cancel',
  ): Promise<Decision> {
    const stored = this.parse(await this.store.get(id));
    if (!stored) return { kind: 'expired' };
    const where = { teamId: clicker.teamId, actor: clicker.userId, channel: stored.channel, threadTs: stored.threadTs };
    if (stored.teamId !== clicker.teamId || stored.userId !== clicker.userId) {
      await this.o.audit?.record({
        ...where,
        action: 'approval',
        decision: 'denied',
        rule: 'only the asker may approve their ticket',
        detail: { approval: id, action },
      });
      return { kind: 'wrong_user', ownerId: stored.userId };
    }
    // Of two concurrent clicks only one takes it.
    const approval = this.parse(await this.store.take(id));
    if (!approval) return { kind: 'expired' };
    const decided = (outcome: string) =>
      this.o.audit?.record({
        ...where,
        action: 'approval',
        decision: 'allowed',
        outcome,
        detail: { approval: id, action },
      });
    if (action === 'cancel') {
      await decided('cancelled');
      return { kind: 'cancelled', approval };
    }
    try {
      const ticket = await this.provider.create(approval.ticket, AbortSignal.timeout(this.o.timeoutMs));
      await decided('created');
      await this.o.audit?.record({
        ...where,
        action: 'ticket_created',
        tool: 'create_ticket',
        outcome: 'created',
        detail: { ticket: ticket.id, project: approval.ticket.project, provider: this.provider.name },
      });
      this.log.info({ approval: id, ticket: ticket.id, provider: this.provider.name }, 'approved ticket created');
      return { kind: 'created', approval, ticket };
    } catch (err) {
      this.log.warn({ err, approval: id }, 'approved ticket could not be created');
      await decided('failed');
      // Shown in the thread: the words for people, never the ones that instruct the model.
      return { kind: 'failed', approval, ...(err instanceof ToolError ? { message: err.userMessage } : {}) };
    }
  }

  private parse(raw: string | undefined): PendingApproval | undefined {
    return parseStored(pendingSchema, raw);
  }
}

/**
 * The one way an approval is opened (tickets, MCP writes): stored for `ttlSeconds`, then its card is posted. A card
 * that cannot be posted takes the approval back, since an approval nobody can see must not stay approvable.
 */
export async function openApproval<T extends { id: string }>(
  store: ApprovalStore,
  cards: { post(approval: T): Promise<unknown> },
  approval: T,
  ttlSeconds: number,
): Promise<T> {
  await store.put(approval.id, JSON.stringify(approval), ttlSeconds);
  try {
    await cards.post(approval);
  } catch (err) {
    await store.take(approval.id).catch(() => undefined);
    throw err;
  }
  return approval;
}

export type Claim<T> = { kind: 'expired' } | { kind: 'wrong_user'; ownerId: string } | { kind: 'taken'; approval: T };

/**
 * The one way a click takes a pending approval (tickets, MCP writes): only its asker, only while it has not
 * expired, and of two concurrent clicks (on any replicas) exactly one gets it, through the store's atomic take.
 */
export async function claimApproval<T extends { teamId: string; userId: string }>(
  store: ApprovalStore,
  parse: (raw: string | undefined) => T | undefined,
  id: string,
  clicker: { teamId: string; userId: string },
): Promise<Claim<T>> {
  const stored = parse(await store.get(id));
  if (!stored) return { kind: 'expired' };
  if (stored.teamId !== clicker.teamId || stored.userId !== clicker.userId)
    return { kind: 'wrong_user', ownerId: stored.userId };
  const approval = parse(await store.take(id));
  return approval ? { kind: 'taken', approval } : { kind: 'expired' };
}

/**
 * The outcome in standard Markdown, in the deciding asker's language: posted in the thread and stored as the
 * bot's message for the model (which reads it in any language).
 */
export function outcomeText(t: Translator, d: Exclude<Decision, { kind: 'expired' | 'wrong_user' }>): string {
  const { ticket, userName } = d.approval;
  if (d.kind === 'cancelled') return t.t('approval.ticket_outcome.cancelled', { user: userName, title: ticket.title });
  if (d.kind === 'failed')
    return t.t('approval.ticket_outcome.failed', {
      user: userName,
      title: ticket.title,
      error: (d.message ? say(t, d.message) : t.t('approval.ticket_no_answer')).replace(/\.$/, ''),
    });
  return t.t('approval.ticket_outcome.created', {
    user: userName,
    ticket: d.ticket.id,
    title: d.ticket.title,
    priority: d.approval.ticket.priority,
    status: d.ticket.status,
    link: d.ticket.url ?? 'none',
  });
}
