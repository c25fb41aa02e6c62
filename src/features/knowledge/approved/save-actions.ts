import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Translator } from '../../../i18n/translators.js';
import { hashId } from '../../../lib/hash.js';
import { mrkdwn, slackLink } from '../../../platform/slack/mrkdwn.js';
import {
  issuesOf,
  messageActionSchema,
  refuseUnusable,
  teamOf,
  UNUSABLE_NOTE,
} from '../../../platform/slack/payloads.js';
import { readThread } from '../../../platform/slack/thread-reader.js';
import { threadTranscript } from '../../../platform/slack/transcript.js';
import type { UserLanguages } from '../../../platform/slack/user-languages.js';
import { NO_USAGE, type QuotaPort } from '../../../turn/ports.js';
import type { ThreadKey } from '../../../turn/thread.js';
import type { ApprovedAnswers } from './approved-answers.js';
import { DRAFT_OUTPUT_TOKENS, type Drafter } from './draft.js';
import {
  checkSubmission,
  draftModal,
  loadingModal,
  noticeModal,
  QUESTION_BLOCK,
  SAVE_VIEW,
  type SaveTarget,
  saveSubmissionSchema,
  saveTargetOf,
} from './save-modal.js';

export const SAVE_SHORTCUT = 'save_as_answer';

export interface SaveHandlerDeps {
  /** `knowledge.editors` as they are now, user groups resolved. */
  editors: { includes(teamId: string, userId: string): Promise<boolean> };
  /** The bot's user id in a workspace: its messages are the answers that can be saved. */
  botUserId: (teamId: string) => Promise<string>;
  /** Whether a thread is a help-desk question the asker marked solved. */
  resolvedDeskThread: (key: ThreadKey) => Promise<boolean>;
  /** The model that drafts for this conversation (the channel's). */
  modelFor: (channel: string) => string;
  drafter: Drafter;
  quota?: QuotaPort;
  answers: ApprovedAnswers;
  /** The editor's language: the form, its errors and every notice about it are written in it. */
  languages: Pick<UserLanguages, 'of'>;
  log: Logger;
  now?: () => number;
}

const shortcutSchema = messageActionSchema.extend({ trigger_id: z.string().min(1) });
type SaveShortcut = z.infer<typeof shortcutSchema>;
const slackError = (err: unknown) => (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;

/**
 * "Save as answer" (a message shortcut on any message): for knowledge editors only, on the bot's answers and on
 * resolved help-desk threads. The form opens at once with a loading note (the trigger_id lasts 3 s), the model's
 * draft replaces it, and only the editor's Save keeps anything.
 */
export function registerSaveHandlers(app: App, deps: SaveHandlerDeps): void {
  const { log } = deps;

  app.shortcut({ type: 'message_action', callback_id: SAVE_SHORTCUT }, async ({ ack, body, client, respond }) => {
    await ack();
    const parsed = shortcutSchema.safeParse(body);
    if (!parsed.success) return refuseUnusable(`${SAVE_SHORTCUT} shortcut`, parsed.error, respond, log);
    const a = parsed.data;
    const teamId = teamOf(a);
    // Side by side: the trigger_id lasts 3 s, and the locale (cached with the name) waits at most a second.
    const [editor, t] = await Promise.all([
      deps.editors.includes(teamId, a.user.id),
      deps.languages.of(teamId, a.user.id),
    ]);
    if (!editor) {
      log.info({ user: a.user.id }, 'save as answer refused: not an editor');
      await respond({ response_type: 'ephemeral', text: t.t('knowledge.save.not_editor') }).catch(() => undefined);
      return;
    }
    const target: SaveTarget = { channel: a.channel.id, threadTs: a.message.thread_ts ?? a.message.ts };
    let opened: { id: string; hash?: string };
    try {
      const res = await client.views.open({ trigger_id: a.trigger_id, view: loadingModal(t, target) });
      if (!res.view?.id) throw new Error('views.open returned no view');
      opened = { id: res.view.id, ...(res.view.hash ? { hash: res.view.hash } : {}) };
    } catch (err) {
      log.warn({ error: slackError(err) }, 'save as answer form not opened');
      await respond({ response_type: 'ephemeral', text: t.t('knowledge.save.not_opened') }).catch(() => undefined);
      return;
    }
    void prepare(client, teamId, a, t, target, opened).catch(async (err: Error) => {
      log.error({ err: { message: err.message } }, 'save as answer draft failed');
      // Never a form left loading for good: it says something went wrong.
      await client.views
        .update({ view_id: opened.id, view: noticeModal(t, target, t.t('knowledge.save.something_wrong')) })
        .catch(() => undefined);
    });
  });

  /** Checks the message, reads the thread, drafts, and puts the form in place of the loading note. */
  const prepare = async (
    client: WebClient,
    teamId: string,
    a: SaveShortcut,
    t: Translator,
    target: SaveTarget,
    opened: { id: string; hash?: string },
  ) => {
    const update = (view: ReturnType<typeof loadingModal>) =>
      client.views
        .update({ view_id: opened.id, ...(opened.hash ? { hash: opened.hash } : {}), view })
        .catch((err) => log.info({ error: slackError(err) }, 'save as answer form not updated (closed meanwhile?)'));
    const key = { teamId, channel: target.channel, threadTs: target.threadTs };
    const botUserId = await deps.botUserId(teamId);
    if (a.message.user !== botUserId && !(await deps.resolvedDeskThread(key))) {
      log.info({ channel: target.channel }, 'save as answer refused: not an answer or a resolved desk thread');
      return update(noticeModal(t, target, t.t('knowledge.save.not_savable')));
    }
    let transcript: string;
    let permalink: string | undefined;
    try {
      const messages = await readThread(client, target.channel, target.threadTs, { maxMessages: 200 });
      transcript = threadTranscript(messages, botUserId);
      permalink = (await client.chat.getPermalink({ channel: target.channel, message_ts: target.threadTs })).permalink;
    } catch (err) {
      log.warn({ error: slackError(err) }, 'thread to save not readable');
      return update(noticeModal(t, target, t.t('knowledge.save.cannot_read')));
    }
    if (!permalink) return update(noticeModal(t, target, t.t('knowledge.save.no_link')));
    const model = deps.modelFor(target.channel);
    const admission = await deps.quota
      ?.account({
        teamId,
        channel: target.channel,
        userId: a.user.id,
        turnId: `approved:${target.channel}:${target.threadTs}`,
      })
      .admit({ model, inputTokens: Math.ceil(transcript.length / 4), maxOutputTokens: DRAFT_OUTPUT_TOKENS });
    if (admission && !admission.ok)
      return update(draftModal(t, { ...target, permalink }, undefined, admission.notice(t)));
    const outcome = await deps.drafter({ model, transcript, safetyIdentifier: hashId('user', teamId, a.user.id) });
    if (admission) await admission.settle(outcome.model ?? model, outcome.usage ?? NO_USAGE);
    log.info({ outcome: outcome.kind, channel: target.channel }, 'approved answer drafted');
    return update(
      outcome.kind === 'ok'
        ? draftModal(t, { ...target, permalink }, outcome.draft)
        : draftModal(t, { ...target, permalink }, undefined, t.t(`knowledge.save.draft_failed.${outcome.reason}`)),
    );
  };

  app.view(SAVE_VIEW, async ({ ack, body, client }) => {
    const parsed = saveSubmissionSchema.safeParse(body);
    if (!parsed.success) {
      log.warn({ issues: issuesOf(parsed.error) }, 'unusable save as answer submission: told the editor in the form');
      return void (await ack({ response_action: 'errors', errors: { [QUESTION_BLOCK]: UNUSABLE_NOTE } }));
    }
    const s = parsed.data;
    const teamId = teamOf(s);
    // The acknowledgement has 3 s; the locale (cached since the form opened) waits at most a second beside the check.
    const [editor, t] = await Promise.all([
      deps.editors.includes(teamId, s.user.id),
      deps.languages.of(teamId, s.user.id),
    ]);
    // Checked again: the settings may have changed since the form opened, and a submission can be crafted.
    if (!editor)
      return void (await ack({
        response_action: 'errors',
        errors: { [QUESTION_BLOCK]: t.t('knowledge.save.not_editor') },
      }));
    const target = saveTargetOf(s.view.private_metadata);
    if (!target?.permalink)
      return void (await ack({
        response_action: 'errors',
        errors: { [QUESTION_BLOCK]: t.t('knowledge.save.lost_thread') },
      }));
    const checked = checkSubmission(t, s.view.state.values);
    if (!checked.ok) return void (await ack({ response_action: 'errors', errors: checked.errors }));
    const entry = {
      // One approved answer per thread: saving it again replaces (corrects) it.
      id: hashId('approved', teamId, target.channel, target.threadTs),
      teamId,
      channel: target.channel,
      threadTs: target.threadTs,
      question: checked.question,
      answer: checked.answer,
      permalink: target.permalink,
      editor: s.user.id,
      savedAt: deps.now?.() ?? Date.now(),
    };
    try {
      await deps.answers.save(entry);
    } catch (err) {
      // The form stays open with everything typed, so nothing is lost.
      log.error({ err: { message: (err as Error).message } }, 'approved answer not saved');
      return void (await ack({
        response_action: 'errors',
        errors: { [QUESTION_BLOCK]: t.t('knowledge.save.not_saved') },
      }));
    }
    await ack();
    const indexed = await deps.answers.index(entry);
    const text = t.t(`knowledge.save.saved_${indexed}`, {
      link: mrkdwn`${slackLink(entry.permalink, entry.question)}`,
    });
    await client.chat
      .postEphemeral({ channel: entry.channel, user: entry.editor, thread_ts: entry.threadTs, text })
      .catch((err) => log.debug({ error: slackError(err) }, 'could not confirm the save to the editor'));
  });
}
