import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Translator } from '../../../i18n/translators.js';
import {
  clipMrkdwn,
  clipPlain,
  mention,
  mrkdwn,
  plainPreview,
  slackDate,
  slackLink,
} from '../../../platform/slack/mrkdwn.js';
import { buttonClickSchema, refuseUnusable, teamOf } from '../../../platform/slack/payloads.js';
import type { UserLanguages } from '../../../platform/slack/user-languages.js';
import type { ApprovedAnswers } from './approved-answers.js';
import type { ApprovedAnswer } from './approved-store.js';

export const DELETE_ACTION = 'tw_approved_delete';
/** The newest answers listed on App Home (a Home view holds at most 100 blocks, shared with the other sections). */
export const HOME_LISTED = 20;

function answerBlock(t: Translator, a: ApprovedAnswer): KnownBlock {
  const saved = slackDate(a.savedAt / 1000, '{date_short}', new Date(a.savedAt).toISOString().slice(0, 10));
  return {
    type: 'section',
    text: {
      type: 'mrkdwn',
      // The question and answer are an editor's words: escaped, so they cannot ping or link.
      text: clipMrkdwn(
        // plainPreview is escaped already, so it joins the escaped template parts as it is.
        `${mrkdwn`*${slackLink(a.permalink, clipPlain(a.question, 200))}*`}\n${plainPreview(a.answer, 200)}\n_${t.t('knowledge.approved_saved_by', { editor: mrkdwn`${mention(a.editor)}`, date: mrkdwn`${saved}` })}_`,
        3_000,
      ),
    },
    accessory: {
      type: 'button',
      action_id: DELETE_ACTION,
      text: { type: 'plain_text', text: t.t('knowledge.approved_delete') },
      style: 'danger',
      value: a.id,
      confirm: {
        title: { type: 'plain_text', text: t.t('knowledge.approved_delete_title') },
        text: {
          type: 'plain_text',
          text: clipPlain(t.t('knowledge.approved_delete_text', { question: clipPlain(a.question, 200) }), 300),
        },
        confirm: { type: 'plain_text', text: t.t('knowledge.approved_delete') },
        deny: { type: 'plain_text', text: t.t('knowledge.approved_keep') },
        style: 'danger',
      },
    },
  };
}

/** The editors' list on App Home: the newest answers, each with Delete, and how to export them all. */
export function approvedSection(t: Translator, all: readonly ApprovedAnswer[]): KnownBlock[] {
  const shown = all.slice(0, HOME_LISTED);
  const more = all.length - shown.length;
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${t.t('knowledge.approved_title', { count: all.length })}\n${t.t('knowledge.approved_intro')}`,
      },
    },
    ...(shown.length
      ? shown.map((a) => answerBlock(t, a))
      : [{ type: 'section', text: { type: 'mrkdwn', text: `_${t.t('knowledge.approved_none')}_` } } as KnownBlock]),
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: more > 0 ? t.t('knowledge.approved_more', { count: more }) : t.t('knowledge.approved_export'),
        },
      ],
    },
    { type: 'divider' },
  ];
}

export interface ApprovedHomeDeps {
  editors: { includes(teamId: string, userId: string): Promise<boolean> };
  answers: ApprovedAnswers;
  /** The viewer's language: the App Home section and the notices to them are written in it. */
  languages: Pick<UserLanguages, 'of'>;
  /** Publishes the viewer's App Home again, so the list shows the change. */
  refreshHome: (client: WebClient, teamId: string, userId: string) => Promise<void>;
  log: Logger;
}

export function approvedHomeSection(deps: ApprovedHomeDeps) {
  return async (teamId: string, userId: string): Promise<KnownBlock[]> =>
    (await deps.editors.includes(teamId, userId))
      ? approvedSection(await deps.languages.of(teamId, userId), await deps.answers.list(teamId))
      : [];
}

/**
 * Delete on App Home: editors only (a crafted click from anyone else is refused), removed from the index and the
 * store, then the tab is published again. App Home has no thread to answer in, so problems go to the app's DM.
 */
export function registerDeleteHandler(app: App, deps: ApprovedHomeDeps): void {
  app.action({ type: 'block_actions', action_id: DELETE_ACTION }, async ({ ack, body, client, respond }) => {
    await ack();
    const click = buttonClickSchema.safeParse(body);
    if (!click.success) return refuseUnusable('approved answer delete', click.error, respond, deps.log);
    const teamId = teamOf(click.data);
    const userId = click.data.user.id;
    const id = click.data.actions[0]!.value;
    const t = await deps.languages.of(teamId, userId);
    const tell = (text: string) =>
      client.chat
        .postMessage({ channel: userId, text })
        .catch((err: Error) => deps.log.debug({ err: { message: err.message } }, 'could not tell the editor'));
    if (!(await deps.editors.includes(teamId, userId))) {
      deps.log.info({ user: userId }, 'approved answer delete refused: not an editor');
      return void (await tell(t.t('knowledge.approved_delete_not_editor')));
    }
    if (!id) return void (await tell(t.t('knowledge.approved_delete_no_id')));
    try {
      const removed = await deps.answers.delete(id, { teamId, userId });
      if (!removed) deps.log.info({ id }, 'approved answer already deleted');
    } catch (err) {
      deps.log.error({ err: { message: (err as Error).message }, id }, 'approved answer not deleted');
      return void (await tell(t.t('knowledge.approved_delete_failed')));
    }
    await deps
      .refreshHome(client, teamId, userId)
      .catch((err: Error) => deps.log.warn({ err: { message: err.message } }, 'app home not refreshed after a delete'));
  });
}
