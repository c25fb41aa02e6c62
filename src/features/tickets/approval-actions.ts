import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { neutraliseMarkdown } from '../../platform/slack/markdown-guard.js';
import { mention, mrkdwn, plainPreview } from '../../platform/slack/mrkdwn.js';
import {
  type ButtonClick,
  buttonClickSchema,
  channelOf,
  refuseUnusable,
  teamOf,
} from '../../platform/slack/payloads.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { ThreadStore } from '../../turn/thread.js';
import { APPROVE_ACTION, CANCEL_ACTION, type CardOutcome, resolvedCardBlocks } from './approval-card.js';
import { type Decision, outcomeText, type TicketApprovals } from './approvals.js';
import { ticketEntity } from './work-objects.js';

export interface ApprovalHandlerDeps {
  approvals: TicketApprovals;
  threads: ThreadStore;
  /** The clicker's language for the card and what only they see. */
  languages: Pick<UserLanguages, 'of'>;
  log: Logger;
}

function cardOutcome(d: Extract<Decision, { approval: unknown }>): CardOutcome {
  if (d.kind === 'created') return { kind: 'created', ticketId: d.ticket.id, url: d.ticket.url };
  return { kind: d.kind };
}

/**
 * Approve / Cancel on a create_ticket card. Slack gets its ack at once; the decision (whose click it is, whether
 * the request is still pending) is made server-side from the stored request, never from the payload's claims.
 */
export function registerApprovalHandlers(app: App, deps: ApprovalHandlerDeps): void {
  // Bolt's client for the click is authorized for the clicker's workspace.
  const handle = async (click: ButtonClick, client: WebClient) => {
    const action = click.actions[0]!;
    const id = action.value ?? '';
    const channel = channelOf(click) ?? '';
    const cardTs = click.container?.message_ts;
    const clicker = { teamId: teamOf(click), userId: click.user.id };
    const decision = await deps.approvals.decide(
      id,
      clicker,
      action.action_id === APPROVE_ACTION ? 'approve' : 'cancel',
    );
    const t = await deps.languages.of(clicker.teamId, clicker.userId);
    const handled = () =>
      deps.log.info({ approval: id, decision: decision.kind, action: action.action_id }, 'approval handled');

    if (decision.kind === 'wrong_user' || decision.kind === 'expired') {
      const text =
        decision.kind === 'wrong_user'
          ? t.t('approval.wrong_user_ticket', { user: mrkdwn`${mention(decision.ownerId)}` })
          : t.t('approval.expired_ticket');
      await client.chat.postEphemeral({ channel, user: clicker.userId, text });
      return handled();
    }
    const { approval } = decision;
    // Quotes the model's title, the ticket system's id, status and URL and an error: neutralised where it leaves.
    const text = outcomeText(t, decision);
    if (cardTs) {
      await client.chat
        .update({
          channel: approval.channel,
          ts: cardTs,
          text: plainPreview(text, 300),
          blocks: resolvedCardBlocks(t, approval, cardOutcome(decision)),
        })
        .catch((err: Error) => deps.log.warn({ err, approval: id }, 'could not update the approval card'));
    }
    // A created ticket rides along as a Work Object: its card keeps status, priority and assignee in view.
    const created = decision.kind === 'created' && decision.ticket.url ? decision.ticket : undefined;
    const posted = await client.chat.postMessage({
      channel: approval.channel,
      thread_ts: approval.threadTs,
      markdown_text: neutraliseMarkdown(text),
      ...(created ? { metadata: { entities: [ticketEntity(created, created.url!, 'full')] } } : {}),
    });
    // The model reads this next turn as what the bot said in the thread.
    await deps.threads.append({ teamId: approval.teamId, channel: approval.channel, threadTs: approval.threadTs }, [
      { type: 'assistant', ts: posted.ts ? String(posted.ts) : undefined, text },
    ]);
    handled();
  };

  app.action(
    { type: 'block_actions', action_id: new RegExp(`^(${APPROVE_ACTION}|${CANCEL_ACTION})$`) },
    async ({ ack, body, client, respond }) => {
      await ack();
      const click = buttonClickSchema.safeParse(body);
      if (!click.success) return refuseUnusable('approval click', click.error, respond, deps.log);
      // Creating a ticket can take longer than Slack's 3 s; the ack above has already answered.
      void handle(click.data, client).catch((err) => deps.log.error({ err }, 'approval click failed'));
    },
  );
}
