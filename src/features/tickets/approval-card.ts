import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { clipMrkdwn, clipPlain, mention, mrkdwn, slackDate, slackLink } from '../../platform/slack/mrkdwn.js';
import type { ApprovalCards, PendingApproval } from './approvals.js';

export const APPROVE_ACTION = 'tw_ticket_approve';
export const CANCEL_ACTION = 'tw_ticket_cancel';

/** Slack's limits: section text 3,000, each field 2,000 (docs.slack.dev/reference/block-kit/blocks/section-block). */
const SECTION_TEXT = 3_000;
const FIELD_TEXT = 2_000;

/** The ticket as proposed; model-written text is escaped so it cannot mention, link or ping anyone, then cut to fit. */
function proposalBlocks(a: PendingApproval): KnownBlock[] {
  const t = a.ticket;
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(mrkdwn`*${mention(a.userId)}, shall I create this ticket in ${t.project}?*`, SECTION_TEXT),
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: clipMrkdwn(mrkdwn`*Title*\n${t.title}`, FIELD_TEXT) },
        { type: 'mrkdwn', text: `*Priority*\n${t.priority}` },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(mrkdwn`${t.description}`, SECTION_TEXT) } },
  ];
}

export function approvalCardBlocks(a: PendingApproval): KnownBlock[] {
  return [...proposalBlocks(a), ...approvalControls(a, { approve: APPROVE_ACTION, cancel: CANCEL_ACTION })];
}

/**
 * The buttons and the "only … can approve, expires …" line every approval card ends with (tickets, MCP writes);
 * the button value is the approval id, the only thing a click is trusted to carry.
 */
export function approvalControls(
  a: { id: string; userId: string; expiresAt: number },
  actions: { approve: string; cancel: string },
): KnownBlock[] {
  const expires = a.expiresAt / 1000;
  return [
    {
      type: 'actions',
      block_id: `${actions.approve}_block`,
      elements: [
        {
          type: 'button',
          action_id: actions.approve,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: a.id,
        },
        {
          type: 'button',
          action_id: actions.cancel,
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
          text: mrkdwn`Only ${mention(a.userId)} can approve. Expires ${slackDate(expires, '{date_short_pretty} at {time}', new Date(a.expiresAt).toISOString())}.`,
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
export function resolvedCardBlocks(a: PendingApproval, outcome: CardOutcome): KnownBlock[] {
  const who = mention(a.userId);
  // The ticket system's URL becomes a link only when it is http(s).
  const text =
    outcome.kind === 'created'
      ? mrkdwn`✅ Approved by ${who}: created *${clipPlain(outcome.ticketId, 200)}* ${outcome.url ? slackLink(outcome.url, 'open') : ''}`.trimEnd()
      : outcome.kind === 'cancelled'
        ? mrkdwn`🚫 Cancelled by ${who}`
        : mrkdwn`⚠️ Approved by ${who}, but creating the ticket failed`;
  return [
    ...proposalBlocks(a),
    { type: 'context', elements: [{ type: 'mrkdwn', text: clipMrkdwn(text, SECTION_TEXT) }] },
  ];
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
      // The fallback (notifications) quotes the model's title: escaped like the card.
      text: mrkdwn`Approve creating the ticket “${clipPlain(a.ticket.title, 100)}”?`,
      blocks: approvalCardBlocks(a),
    });
  }
}
