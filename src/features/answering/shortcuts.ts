import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import { issuesOf, type MessageAction, messageActionSchema } from '../../platform/slack/payloads.js';
import { readThread, type ThreadMessage } from '../../platform/slack/thread-reader.js';
import { summaryRequest, threadTranscript } from '../../platform/slack/transcript.js';
import { ASK_BLOCK, ASK_INPUT, ASK_VIEW, askModal, askTargetSchema } from './ask-modal.js';
import type { TurnRequest } from './start-turn.js';

export const ASK_SHORTCUT = 'ask_about_message';
export const SUMMARIZE_SHORTCUT = 'summarize_thread';

export interface ShortcutDeps {
  start: (r: TurnRequest) => Promise<void>;
  /** The bot's user id in a workspace (to tell its own messages apart in a transcript). */
  botUserId: (teamId: string) => Promise<string>;
  log: Logger;
}

const CANT_READ = 'I can’t read that conversation. Invite me with `/invite @threadwise` and try again.';
const slackError = (err: unknown) => (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;

const viewSubmissionSchema = z.looseObject({
  type: z.literal('view_submission'),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().optional() }),
  view: z.looseObject({
    callback_id: z.literal(ASK_VIEW),
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.record(z.string(), z.record(z.string(), z.looseObject({ value: z.string().nullish() }))),
    }),
  }),
});

/**
 * Message shortcuts. "Ask Threadwise about this" opens a modal for the question and answers in the message's
 * thread with the message (text and files) as context; "Summarize thread" reads the whole thread and answers with
 * a summary in it. Both become ordinary turns on the queue.
 */
/** Said when a shortcut's request could not be taken on (Slack or the queue refused): never a silent drop. */
const NOT_TAKEN = '⚠️ I could not take that on right now. Please try the shortcut again in a moment.';

export function registerShortcutHandlers(app: App, deps: ShortcutDeps): void {
  const parse = (body: unknown, what: string): MessageAction | undefined => {
    const parsed = messageActionSchema.safeParse(body);
    if (!parsed.success) deps.log.warn({ issues: issuesOf(parsed.error) }, `ignoring malformed ${what} shortcut`);
    return parsed.success ? parsed.data : undefined;
  };

  app.shortcut({ type: 'message_action', callback_id: ASK_SHORTCUT }, async ({ ack, body, client, respond }) => {
    await ack();
    const a = parse(body, ASK_SHORTCUT);
    if (!a) return;
    const target = { channel: a.channel.id, messageTs: a.message.ts, threadTs: a.message.thread_ts ?? a.message.ts };
    // trigger_id is valid for 3 s: the modal opens right away.
    await client.views
      .open({ trigger_id: a.trigger_id, view: askModal(target, a.message.text) as never })
      .catch(async (err) => {
        deps.log.warn({ error: slackError(err) }, 'ask modal not opened');
        await respond({
          response_type: 'ephemeral',
          text: 'Sorry, I could not open the question form. Please try the shortcut again.',
        }).catch(() => undefined);
      });
  });

  app.view(ASK_VIEW, async ({ ack, body, client }) => {
    const parsed = viewSubmissionSchema.safeParse(body);
    const question = parsed.success ? parsed.data.view.state.values[ASK_BLOCK]?.[ASK_INPUT]?.value?.trim() : undefined;
    if (!parsed.success || !question) {
      await ack({ response_action: 'errors', errors: { [ASK_BLOCK]: 'Please type your question.' } });
      return;
    }
    await ack();
    const target = askTargetSchema.safeParse(JSON.parse(parsed.data.view.private_metadata || '{}'));
    if (!target.success) return deps.log.warn({ issues: issuesOf(target.error) }, 'ask modal without its message');
    const teamId = parsed.data.team?.id ?? parsed.data.user.team_id ?? '';
    const userId = parsed.data.user.id;
    void askAbout(client, teamId, userId, target.data, question).catch(async (err) => {
      deps.log.error({ err }, 'ask about message failed');
      await client.chat
        .postEphemeral({ channel: target.data.channel, user: userId, text: NOT_TAKEN })
        .catch(() => undefined);
    });
  });

  const askAbout = async (
    client: WebClient,
    teamId: string,
    userId: string,
    t: z.infer<typeof askTargetSchema>,
    question: string,
  ) => {
    let messages: ThreadMessage[];
    try {
      messages = await readThread(client, t.channel, t.threadTs);
    } catch (err) {
      deps.log.warn({ error: slackError(err) }, 'message for the question not readable');
      await client.chat.postEphemeral({ channel: t.channel, user: userId, text: CANT_READ }).catch(() => undefined);
      return;
    }
    const message = messages.find((m) => m.ts === t.messageTs);
    const posted = await client.chat.postMessage({
      channel: t.channel,
      thread_ts: t.threadTs,
      text: `<@${userId}> asked about ${t.messageTs === t.threadTs ? 'this message' : 'a message in this thread'}: ${question}`,
    });
    const author = message?.user ? `<@${message.user}>` : 'someone';
    const text = [
      `About this message from ${author}:`,
      ...(message?.text ?? '(the message is no longer available)').split('\n').map((l) => `> ${l}`),
      '',
      question,
    ].join('\n');
    await deps.start({
      teamId,
      channel: t.channel,
      threadTs: t.threadTs,
      messageTs: String(posted.ts),
      userId,
      text,
      files: message?.files,
      origin: 'shortcut',
    });
  };

  app.shortcut({ type: 'message_action', callback_id: SUMMARIZE_SHORTCUT }, async ({ ack, body, client, respond }) => {
    await ack();
    const a = parse(body, SUMMARIZE_SHORTCUT);
    if (!a) return;
    void summarize(a, client, respond).catch(async (err) => {
      deps.log.error({ err }, 'summarize shortcut failed');
      await respond({ response_type: 'ephemeral', text: NOT_TAKEN }).catch(() => undefined);
    });
  });

  const summarize = async (a: MessageAction, client: WebClient, respond: RespondFn) => {
    const threadTs = a.message.thread_ts ?? a.message.ts;
    let messages: ThreadMessage[];
    try {
      messages = await readThread(client, a.channel.id, threadTs);
    } catch (err) {
      deps.log.warn({ error: slackError(err) }, 'thread to summarize not readable');
      await respond({ response_type: 'ephemeral', text: CANT_READ }).catch(() => undefined);
      return;
    }
    const transcript = threadTranscript(messages, await deps.botUserId(a.team.id));
    // The shortcut's action_ts names this request in the thread (there is no message of the user's to answer).
    await deps.start({
      teamId: a.team.id,
      channel: a.channel.id,
      threadTs,
      messageTs: a.action_ts,
      userId: a.user.id,
      text: summaryRequest(transcript, messages.length),
      origin: 'shortcut',
    });
  };
}
