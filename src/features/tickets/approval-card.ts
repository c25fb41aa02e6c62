import type { WebClient } from '@slack/web-api';
import { escapeMrkdwn } from '../../platform/slack/mrkdwn.js';
import type { ApprovalCards, PendingApproval } from './approvals.js';

export const APPROVE_ACTION = 'tw_ticket_approve';
export const CANCEL_ACTION = 'tw_ticket_cancel';

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/** The ticket as proposed; model-written text is escaped so it cannot mention, link or ping anyone. */
function proposalBlocks(a: PendingApproval): unknown[] {
  const t = a.ticket;
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*<@${a.userId}>, shall I create this ticket in ${escapeMrkdwn(t.project)}?*` },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Title*\n${escapeMrkdwn(t.title)}` },
        { type: 'mrkdwn', text: `*Priority*\n${t.priority}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(clip(t.description, 2_800)) } },
  ];
}

export function approvalCardBlocks(a: PendingApproval): unknown[] {
  const expires = Math.floor(a.expiresAt / 1000);
  return [
    ...proposalBlocks(a),
    {
      type: 'actions',
      block_id: 'tw_ticket_approval',
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: a.id,
        },
        {
          type: 'button',
          action_id: CANCEL_ACTION,
          text: { type: 'plain_text', text: 'Cancel' },
          style: 'danger',
          value: a.id,
        },
      ],
    },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Only <@${a.userId}> can approve. Expires <!date^${expires}^{date_short_pretty} at {time}|${new Date(a.expiresAt).toISOString()}>.`,
        },
      ],
    },
  ];
}

export type CardOutcome =
  | { kind: 'created'; ticketId: string; url: string | null }
  | { kind: 'cancelled' }
  | { kind: 'failed' };

/** The card once decided: the proposal stays readable, the buttons are replaced by the outcome. */
export function resolvedCardBlocks(a: PendingApproval, outcome: CardOutcome): unknown[] {
  const who = `<@${a.userId}>`;
  const text =
    outcome.kind === 'created'
      ? `✅ Approved by ${who}: created *${escapeMrkdwn(outcome.ticketId)}*${outcome.url ? ` <${outcome.url.replace(/[<>|]/g, '')}|open>` : ''}`
      : outcome.kind === 'cancelled'
        ? `🚫 Cancelled by ${who}`
        : `⚠️ Approved by ${who}, but creating the ticket failed`;
  return [...proposalBlocks(a), { type: 'context', elements: [{ type: 'mrkdwn', text }] }];
}

/** Posts approval cards into the thread the request came from. */
export class SlackApprovalCards implements ApprovalCards {
  /** The workspace's own bot client: one deployment may serve many workspaces. */
  constructor(private readonly clientFor: (teamId: string) => Promise<WebClient>) {}

  async post(a: PendingApproval): Promise<void> {
    const client = await this.clientFor(a.teamId);
    await client.chat.postMessage({
      channel: a.channel,
      thread_ts: a.threadTs,
      text: `Approve creating the ticket “${clip(a.ticket.title, 100)}”?`,
      blocks: approvalCardBlocks(a) as never,
    });
  }
}
