import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Translator } from '../../i18n/translators.js';
import { clipMrkdwn, clipPlain, mention, mrkdwn, slackDate, slackLink } from '../../platform/slack/mrkdwn.js';
import type { ApprovalCards, PendingApproval } from './approvals.js';

export const APPROVE_ACTION = 'tw_ticket_approve';
export const CANCEL_ACTION = 'tw_ticket_cancel';

/** Slack's limits: section text 3,000, each field 2,000 (docs.slack.dev/reference/block-kit/blocks/section-block). */
const SECTION_TEXT = 3_000;
const FIELD_TEXT = 2_000;

/** The ticket as proposed; model-written text is escaped so it cannot mention, link or ping anyone, then cut to fit. */
function proposalBlocks(tr: Translator, a: PendingApproval): KnownBlock[] {
  const t = a.ticket;
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(
          tr.t('approval.ask_ticket', { user: mrkdwn`${mention(a.userId)}`, project: mrkdwn`${t.project}` }),
          SECTION_TEXT,
        ),
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: clipMrkdwn(tr.t('approval.title', { title: mrkdwn`${t.title}` }), FIELD_TEXT) },
        { type: 'mrkdwn', text: tr.t('approval.priority', { priority: t.priority }) },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: clipMrkdwn(mrkdwn`${t.description}`, SECTION_TEXT) } },
  ];
}

/** The card in the asker's language: only they can approve it. */
export function approvalCardBlocks(t: Translator, a: PendingApproval): KnownBlock[] {
  return [...proposalBlocks(t, a), ...approvalControls(t, a, { approve: APPROVE_ACTION, cancel: CANCEL_ACTION })];
}

/**
 * The buttons and the "only … can approve, expires …" line every approval card ends with (tickets, MCP writes);
 * the button value is the approval id, the only thing a click is trusted to carry.
 */
export function approvalControls(
  t: Translator,
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
          text: { type: 'plain_text', text: t.t('approval.approve') },
          style: 'primary',
          value: a.id,
        },
        {
          type: 'button',
          action_id: actions.cancel,
          text: { type: 'plain_text', text: t.t('approval.cancel') },
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
          // Slack writes the date in the reader's own time zone and language; the fallback is for old clients.
          text: t.t('approval.only_owner', {
            user: mrkdwn`${mention(a.userId)}`,
            expires: mrkdwn`${slackDate(expires, '{date_short_pretty} {time}', t.utc(a.expiresAt))}`,
          }),
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
export function resolvedCardBlocks(t: Translator, a: PendingApproval, outcome: CardOutcome): KnownBlock[] {
  const user = mrkdwn`${mention(a.userId)}`;
  // The ticket system's URL becomes a link only when it is http(s).
  const link = outcome.kind === 'created' && outcome.url ? mrkdwn`${slackLink(outcome.url, t.t('approval.open'))}` : '';
  const text =
    outcome.kind === 'created'
      ? [t.t('approval.created', { user, ticket: mrkdwn`${clipPlain(outcome.ticketId, 200)}` }), link]
          .filter(Boolean)
          .join(' ')
      : outcome.kind === 'cancelled'
        ? t.t('approval.cancelled', { user })
        : t.t('approval.ticket_failed', { user });
  return [
    ...proposalBlocks(t, a),
    { type: 'context', elements: [{ type: 'mrkdwn', text: clipMrkdwn(text, SECTION_TEXT) }] },
  ];
}

/** Posts approval cards into the thread the request came from. */
export class SlackApprovalCards implements ApprovalCards {
  /** The workspace's own bot client: one deployment may serve many workspaces. */
  constructor(
    private readonly clientFor: (teamId: string) => Promise<WebClient>,
    private readonly languageOf: (teamId: string, userId: string) => Promise<Translator>,
  ) {}

  async post(a: PendingApproval): Promise<void> {
    const [client, t] = await Promise.all([this.clientFor(a.teamId), this.languageOf(a.teamId, a.userId)]);
    await client.chat.postMessage({
      channel: a.channel,
      thread_ts: a.threadTs,
      // The fallback (notifications) quotes the model's title: escaped like the card.
      text: t.t('approval.ticket_fallback', { title: mrkdwn`${clipPlain(a.ticket.title, 100)}` }),
      blocks: approvalCardBlocks(t, a),
    });
  }
}
