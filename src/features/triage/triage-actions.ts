import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { say } from '../../i18n/phrase.js';
import type { TriageRequest } from '../../platform/queue/types.js';
import type { SlackLookups } from '../../platform/slack/lookups.js';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import {
  type ButtonClick,
  buttonClickSchema,
  channelOf,
  messageActionSchema,
  refuseUnusable,
  teamOf,
} from '../../platform/slack/payloads.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { ApprovalStore } from '../../platform/store/types.js';
import type { ToolContext } from '../../platform/tools/types.js';
import type { ChannelGate } from '../access/gate.js';
import type { ConversationTools } from '../tools/sessions.js';
import { TRIAGE_TICKET_ACTION } from './triage-card.js';
import { keptTriage, ticketArgs } from './triage-flow.js';

export const TRIAGE_SHORTCUT = 'triage_message';

export interface TriageHandlerDeps {
  /** Queues the triage durably (it runs like a turn, in its thread's order); rejects when it cannot be queued. */
  enqueue: (r: TriageRequest) => Promise<void>;
  kept: ApprovalStore;
  /** The button runs create_ticket through the clicker's session: the channel's tool list, checks and timeout. */
  tools: ConversationTools;
  lookups: (teamId: string) => Promise<SlackLookups>;
  /** Where the bot may speak and who may ask: the same rule as for mentions. */
  gate: Pick<ChannelGate, 'admission' | 'refusal'>;
  /** The clicker's language for what only they see. */
  languages: Pick<UserLanguages, 'of'>;
  log: Logger;
}

/**
 * "Triage this" (message shortcut) and the triage card's "Create ticket" button. The button does not create
 * anything: like the model's create_ticket, it posts an approval card that only the clicker can approve.
 */
export function registerTriageHandlers(app: App, deps: TriageHandlerDeps): void {
  app.shortcut({ type: 'message_action', callback_id: TRIAGE_SHORTCUT }, async ({ ack, body, respond }) => {
    await ack();
    const parsed = messageActionSchema.safeParse(body);
    if (!parsed.success) return refuseUnusable('triage shortcut', parsed.error, respond, deps.log);
    const a = parsed.data;
    const admission = await deps.gate.admission({
      teamId: teamOf(a),
      channel: a.channel.id,
      isDm: a.channel.id.startsWith('D'),
      userId: a.user.id,
    });
    if (!admission.ok) {
      deps.log.info({ channel: a.channel.id, user: a.user.id, rule: admission.rule }, 'shortcut refused here');
      await respond({
        response_type: 'ephemeral',
        text: await deps.gate.refusal({ teamId: teamOf(a), userId: a.user.id }, admission.rule),
      }).catch(() => undefined);
      return;
    }
    const t = await deps.languages.of(teamOf(a), a.user.id);
    if (!a.message.text.trim() && !a.message.files?.length) {
      await respond({ response_type: 'ephemeral', text: t.t('triage.nothing_to_triage') }).catch(() => undefined);
      return;
    }
    const request: TriageRequest = {
      teamId: teamOf(a),
      channel: a.channel.id,
      userId: a.user.id,
      message: {
        ts: a.message.ts,
        threadTs: a.message.thread_ts ?? a.message.ts,
        text: a.message.text,
        ...(a.message.files ? { files: a.message.files } : {}),
      },
    };
    // Slack has had its ack; the triage is a queued job, so a crash or deploy does not lose it.
    await deps.enqueue(request).catch(async (err) => {
      deps.log.error({ err }, 'triage could not be queued');
      await respond({
        response_type: 'ephemeral',
        text: t.t('triage.not_taken'),
      }).catch(() => undefined);
    });
  });

  const createTicket = async (click: ButtonClick, client: WebClient) => {
    const channel = channelOf(click) ?? '';
    const userId = click.user.id;
    const tell = (text: string) =>
      client.chat.postEphemeral({
        channel,
        user: userId,
        text,
        ...(click.container?.thread_ts ? { thread_ts: click.container.thread_ts } : {}),
      });
    const kept = await keptTriage(deps.kept, click.actions[0]!.value ?? '');
    const t = await deps.languages.of(teamOf(click), userId);
    if (!kept) return void (await tell(t.t('triage.expired')));
    const teamId = click.team?.id ?? click.user.team_id ?? kept.teamId;
    if (teamId !== kept.teamId) return void (await tell(t.t('triage.other_workspace')));
    const profile = await (await deps.lookups(teamId)).userProfile(userId);
    const ctx: ToolContext = {
      teamId,
      channel: kept.channel,
      threadTs: kept.threadTs,
      isDm: kept.channel.startsWith('D'),
      user: { id: userId, name: profile?.name ?? userId, ...(profile?.email ? { email: profile.email } : {}) },
    };
    const session = await deps.tools.session(ctx, deps.log.child({ component: 'tools' }));
    if (!session) return void (await tell(t.t('triage.tools_off')));
    const link = await client.chat
      .getPermalink({ channel: kept.channel, message_ts: kept.messageTs })
      .then((r) => r.permalink)
      .catch(() => undefined);
    const outcome = await session.invoke('create_ticket', ticketArgs(kept, link));
    // The tool's message for the user may quote the ticket system: escaped, so it cannot ping or link.
    if (!outcome.ok)
      return void (await tell(t.t('triage.ticket_refused', { reason: mrkdwn`${say(t, outcome.userMessage)}` })));
    deps.log.info({ triage: kept.id }, 'ticket requested from a triage card');
  };

  app.action({ type: 'block_actions', action_id: TRIAGE_TICKET_ACTION }, async ({ ack, body, client, respond }) => {
    await ack();
    const click = buttonClickSchema.safeParse(body);
    if (!click.success) return refuseUnusable('triage click', click.error, respond, deps.log);
    void createTicket(click.data, client).catch((err) => deps.log.error({ err }, 'create ticket from triage failed'));
  });
}
