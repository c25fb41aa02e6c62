import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import {
  type ButtonClick,
  buttonClickSchema,
  channelOf,
  refuseUnusable,
  teamOf,
  UNUSABLE_NOTE,
} from '../../platform/slack/payloads.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { FeedbackStore } from '../../platform/store/feedback.js';
import { FEEDBACK_ACTION, feedbackThanks } from './feedback-blocks.js';

export interface FeedbackHandlerDeps {
  feedback: FeedbackStore;
  /** The voter's language for the thanks. */
  languages: UserLanguages;
  log: Logger;
  now?: () => number;
}

/**
 * 👍 / 👎 under an answer: acknowledged at once, stored with the answer it rates (team, channel, thread and the
 * answer's message ts identify the turn), and thanked with a message only the voter sees.
 */
export function registerFeedbackHandlers(app: App, deps: FeedbackHandlerDeps): void {
  const handle = async (click: ButtonClick, client: WebClient, respond: RespondFn | undefined) => {
    const value = click.actions[0]!.value;
    const channel = channelOf(click);
    const messageTs = click.container?.message_ts ?? click.message?.ts;
    if ((value !== 'positive' && value !== 'negative') || !channel || !messageTs) {
      deps.log.warn(
        { has_value: value !== undefined, has_channel: Boolean(channel), has_message_ts: Boolean(messageTs) },
        'unusable feedback click: it does not name its answer',
      );
      await respond?.({ response_type: 'ephemeral', replace_original: false, text: UNUSABLE_NOTE }).catch(
        () => undefined,
      );
      return;
    }
    const threadTs = click.container?.thread_ts ?? click.message?.thread_ts ?? messageTs;
    const teamId = teamOf(click);
    await deps.feedback.record({
      teamId,
      channel,
      threadTs,
      messageTs,
      userId: click.user.id,
      value,
      at: deps.now?.() ?? Date.now(),
    });
    deps.log.info({ feedback: value, channel, thread_ts: threadTs, message_ts: messageTs }, 'feedback recorded');
    const t = await deps.languages.of(teamId, click.user.id);
    await client.chat.postEphemeral({
      channel,
      user: click.user.id,
      thread_ts: threadTs,
      text: feedbackThanks(t, value),
    });
  };

  app.action({ type: 'block_actions', action_id: FEEDBACK_ACTION }, async ({ ack, body, client, respond }) => {
    await ack();
    const click = buttonClickSchema.safeParse(body);
    if (!click.success) return refuseUnusable('feedback click', click.error, respond, deps.log);
    await handle(click.data, client, respond).catch((err) => deps.log.error({ err }, 'feedback click failed'));
  });
}
