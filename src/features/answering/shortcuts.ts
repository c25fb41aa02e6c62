import type { App, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Translator } from '../../i18n/translators.js';
import { mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import { issuesOf, messageActionSchema, refuseUnusable, teamOf, UNUSABLE_NOTE } from '../../platform/slack/payloads.js';
import { readThread, type ThreadMessage } from '../../platform/slack/thread-reader.js';
import { summaryRequest, threadTranscript } from '../../platform/slack/transcript.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { ChannelGate } from '../access/gate.js';
import { ASK_BLOCK, ASK_INPUT, ASK_VIEW, askModal, askTargetSchema } from './ask-modal.js';
import type { TurnRequest } from './start-turn.js';

export const ASK_SHORTCUT = 'ask_about_message';
export const SUMMARIZE_SHORTCUT = 'summarize_thread';

export interface ShortcutDeps {
  start: (r: TurnRequest) => Promise<void>;
  /** The bot's user id in a workspace (to tell its own messages apart in a transcript). */
  botUserId: (teamId: string) => Promise<string>;
  /** Where the bot may speak and who may ask: the same rule as for mentions. */
  gate: Pick<ChannelGate, 'admission' | 'refusal'>;
  /** The clicking person's language: the modal and every note to them are written in it. */
  languages: Pick<UserLanguages, 'of'>;
  log: Logger;
}

/**
 * The modal opens within the trigger_id's 3 s; a person whose locale is not cached by then gets it in English
 * rather than not at all.
 */
const MODAL_LOCALE_WAIT_MS = 500;
const slackError = (err: unknown) => (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;

/** "Ask" opens a modal (trigger_id); "Summarize" names its request by the click's action_ts. */
const askShortcutSchema = messageActionSchema.extend({ trigger_id: z.string().min(1) });
const summarizeShortcutSchema = messageActionSchema.extend({ action_ts: z.string().min(1) });
type SummarizeShortcut = z.infer<typeof summarizeShortcutSchema>;

/** The modal's message, as the shortcut put it into private_metadata (JSON); undefined when it does not parse. */
function askTargetOf(metadata: string): z.infer<typeof askTargetSchema> | undefined {
  try {
    const parsed = askTargetSchema.safeParse(JSON.parse(metadata));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

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
 * Message shortcuts. "Ask Threadwise" opens a modal for the question and answers in the message's
 * thread with the message (text and files) as context; "Summarize thread" reads the whole thread and answers with
 * a summary in it. Both become ordinary turns on the queue.
 */
export function registerShortcutHandlers(app: App, deps: ShortcutDeps): void {
  const parse = async <T extends z.infer<typeof messageActionSchema>>(
    schema: z.ZodType<T>,
    body: unknown,
    what: string,
    respond: RespondFn | undefined,
  ) => {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      await refuseUnusable(`${what} shortcut`, parsed.error, respond, deps.log);
      return undefined;
    }
    const a = parsed.data;
    const where = { teamId: teamOf(a), channel: a.channel.id, isDm: a.channel.id.startsWith('D'), userId: a.user.id };
    const admission = await deps.gate.admission(where);
    if (admission.ok) return a;
    deps.log.info({ channel: where.channel, user: where.userId, rule: admission.rule }, 'shortcut refused here');
    await respond?.({ response_type: 'ephemeral', text: await deps.gate.refusal(where, admission.rule) }).catch(
      () => undefined,
    );
    return undefined;
  };

  app.shortcut({ type: 'message_action', callback_id: ASK_SHORTCUT }, async ({ ack, body, client, respond }) => {
    await ack();
    const a = await parse(askShortcutSchema, body, ASK_SHORTCUT, respond);
    if (!a) return;
    const target = { channel: a.channel.id, messageTs: a.message.ts, threadTs: a.message.thread_ts ?? a.message.ts };
    // trigger_id is valid for 3 s: the modal opens right away, in English when the locale is slow to come.
    const t = await deps.languages.of(teamOf(a), a.user.id, MODAL_LOCALE_WAIT_MS);
    await client.views
      .open({ trigger_id: a.trigger_id, view: askModal(t, target, a.message.text) })
      .catch(async (err) => {
        deps.log.warn({ error: slackError(err) }, 'ask modal not opened');
        await respond({ response_type: 'ephemeral', text: t.t('shortcut.modal_failed') }).catch(() => undefined);
      });
  });

  app.view(ASK_VIEW, async ({ ack, body, client }) => {
    const parsed = viewSubmissionSchema.safeParse(body);
    if (!parsed.success) {
      deps.log.warn({ issues: issuesOf(parsed.error) }, 'unusable ask modal submission: told the user in the modal');
      await ack({ response_action: 'errors', errors: { [ASK_BLOCK]: UNUSABLE_NOTE } });
      return;
    }
    const question = parsed.data.view.state.values[ASK_BLOCK]?.[ASK_INPUT]?.value?.trim();
    // The same person opened the modal moments ago: their locale is cached, and the ack is due within 3 s.
    const tr = await deps.languages.of(teamOf(parsed.data), parsed.data.user.id, MODAL_LOCALE_WAIT_MS);
    if (!question) {
      await ack({ response_action: 'errors', errors: { [ASK_BLOCK]: tr.t('shortcut.type_question') } });
      return;
    }
    // Checked before the ack: the modal is the one place left to tell the user (its message is unknown).
    const target = askTargetOf(parsed.data.view.private_metadata);
    if (!target) {
      deps.log.warn({ metadata_chars: parsed.data.view.private_metadata.length }, 'ask modal without its message');
      await ack({
        response_action: 'errors',
        errors: { [ASK_BLOCK]: tr.t('shortcut.lost_message') },
      });
      return;
    }
    await ack();
    const asker = { id: parsed.data.user.id, teamId: parsed.data.user.team_id };
    const userId = asker.id;
    void askAbout(client, teamOf(parsed.data), asker, target, question, tr).catch(async (err) => {
      deps.log.error({ err }, 'ask about message failed');
      await client.chat
        .postEphemeral({ channel: target.channel, user: userId, text: tr.t('shortcut.not_taken') })
        .catch(() => undefined);
    });
  });

  const askAbout = async (
    client: WebClient,
    teamId: string,
    asker: { id: string; teamId: string | undefined },
    t: z.infer<typeof askTargetSchema>,
    question: string,
    tr: Translator,
  ) => {
    const userId = asker.id;
    let messages: ThreadMessage[];
    try {
      messages = await readThread(client, t.channel, t.threadTs);
    } catch (err) {
      deps.log.warn({ error: slackError(err) }, 'message for the question not readable');
      await client.chat
        .postEphemeral({ channel: t.channel, user: userId, text: tr.t('shortcut.cant_read') })
        .catch(() => undefined);
      return;
    }
    const message = messages.find((m) => m.ts === t.messageTs);
    const posted = await client.chat.postMessage({
      channel: t.channel,
      thread_ts: t.threadTs,
      // Typed into the modal as plain text: shown escaped, so only the asker's own mention is live.
      text: tr.t('shortcut.asked_about', {
        user: mrkdwn`${mention(userId)}`,
        which: t.messageTs === t.threadTs ? 'root' : 'reply',
        question: mrkdwn`${question}`,
      }),
    });
    // What the model reads (its instructions are English); it answers in the asker's language from the hint.
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
      // The asker's own team (a Slack Connect guest's organisation) receives the streamed answer.
      ...(asker.teamId ? { userTeamId: asker.teamId } : {}),
      text,
      files: message?.files,
      origin: 'shortcut',
    });
  };

  app.shortcut({ type: 'message_action', callback_id: SUMMARIZE_SHORTCUT }, async ({ ack, body, client, respond }) => {
    await ack();
    const a = await parse(summarizeShortcutSchema, body, SUMMARIZE_SHORTCUT, respond);
    if (!a) return;
    const t = await deps.languages.of(teamOf(a), a.user.id);
    void summarize(a, client, respond, t).catch(async (err) => {
      deps.log.error({ err }, 'summarize shortcut failed');
      await respond({ response_type: 'ephemeral', text: t.t('shortcut.not_taken') }).catch(() => undefined);
    });
  });

  const summarize = async (a: SummarizeShortcut, client: WebClient, respond: RespondFn, t: Translator) => {
    const threadTs = a.message.thread_ts ?? a.message.ts;
    let messages: ThreadMessage[];
    try {
      messages = await readThread(client, a.channel.id, threadTs);
    } catch (err) {
      deps.log.warn({ error: slackError(err) }, 'thread to summarize not readable');
      await respond({ response_type: 'ephemeral', text: t.t('shortcut.cant_read') }).catch(() => undefined);
      return;
    }
    const teamId = teamOf(a);
    const transcript = threadTranscript(messages, await deps.botUserId(teamId));
    // The shortcut's action_ts names this request in the thread (there is no message of the user's to answer).
    await deps.start({
      teamId,
      channel: a.channel.id,
      threadTs,
      messageTs: a.action_ts,
      userId: a.user.id,
      ...(a.user.team_id ? { userTeamId: a.user.team_id } : {}),
      text: summaryRequest(transcript, messages.length),
      origin: 'shortcut',
    });
  };
}
