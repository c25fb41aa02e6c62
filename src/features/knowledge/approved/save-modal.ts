import type { KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
import type { Translator } from '../../../i18n/translators.js';
import { parseStored } from '../../../lib/stored-json.js';
import { mrkdwn, slackLink } from '../../../platform/slack/mrkdwn.js';
import { ANSWER_MAX, type Draft, QUESTION_MAX } from './draft.js';

export const SAVE_VIEW = 'tw_save_answer';
export const QUESTION_BLOCK = 'approved_question';
export const ANSWER_BLOCK = 'approved_answer';
export const VALUE_INPUT = 'value';
/** Below this a "question" cannot be searched for usefully (Slack enforces the same min_length in the form). */
export const QUESTION_MIN = 5;

/** The thread being saved; travels through the modal in private_metadata (Slack allows 3,000 characters). */
export const saveTargetSchema = z.object({
  channel: z.string().min(1),
  threadTs: z.string().min(1),
  /** Known once the draft is ready (chat.getPermalink); the loading view has none and cannot be submitted. */
  permalink: z.string().min(1).optional(),
});
export type SaveTarget = z.infer<typeof saveTargetSchema>;

export const saveTargetOf = (metadata: string) => parseStored(saveTargetSchema, metadata);

const plain = (text: string) => ({ type: 'plain_text', text }) as const;
const note = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/**
 * Opened at once (the trigger_id lasts 3 s); the draft replaces it when the model has written one. Every view of
 * the form is written in the editor's language (`t`), the only person who sees it.
 */
export function loadingModal(t: Translator, target: SaveTarget): ModalView {
  return {
    type: 'modal',
    callback_id: SAVE_VIEW,
    private_metadata: JSON.stringify(target),
    title: plain(t.t('knowledge.save.title')),
    close: plain(t.t('knowledge.save.cancel')),
    blocks: [note(t.t('knowledge.save.loading'))],
  };
}

/** Said instead of a form when this thread cannot be saved; nothing to submit. */
export function noticeModal(t: Translator, target: SaveTarget, text: string): ModalView {
  return { ...loadingModal(t, target), close: plain(t.t('knowledge.save.close')), blocks: [note(text)] };
}

/**
 * The editable form: the model's draft (or empty fields and why, when it wrote none). Nothing is kept until the
 * editor presses Save; Cancel keeps nothing.
 */
export function draftModal(
  t: Translator,
  target: SaveTarget & { permalink: string },
  draft: Draft | undefined,
  problem?: string,
): ModalView {
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: t.t('knowledge.save.intro', {
            thread: mrkdwn`${slackLink(target.permalink, t.t('knowledge.save.this_thread'))}`,
          }),
        },
      ],
    },
    ...(problem ? [note(t.t('knowledge.save.problem', { problem: mrkdwn`${problem}` }))] : []),
    {
      type: 'input',
      block_id: QUESTION_BLOCK,
      label: plain(t.t('knowledge.save.question')),
      element: {
        type: 'plain_text_input',
        action_id: VALUE_INPUT,
        min_length: QUESTION_MIN,
        max_length: QUESTION_MAX,
        ...(draft?.question ? { initial_value: draft.question } : {}),
        placeholder: plain(t.t('knowledge.save.question_placeholder')),
      },
    },
    {
      type: 'input',
      block_id: ANSWER_BLOCK,
      label: plain(t.t('knowledge.save.answer')),
      element: {
        type: 'plain_text_input',
        action_id: VALUE_INPUT,
        multiline: true,
        max_length: ANSWER_MAX,
        ...(draft?.answer ? { initial_value: draft.answer } : {}),
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: SAVE_VIEW,
    private_metadata: JSON.stringify(target),
    title: plain(t.t('knowledge.save.title')),
    submit: plain(t.t('knowledge.save.submit')),
    close: plain(t.t('knowledge.save.cancel')),
    blocks,
  };
}

/** The parts of a view_submission of the form that its handler reads. */
export const saveSubmissionSchema = z.looseObject({
  type: z.literal('view_submission'),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().optional() }),
  view: z.looseObject({
    callback_id: z.literal(SAVE_VIEW),
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.record(z.string(), z.record(z.string(), z.looseObject({ value: z.string().nullish() }))),
    }),
  }),
});
export type SaveSubmission = z.infer<typeof saveSubmissionSchema>;

/**
 * What the editor typed, checked as Slack's form should have (a crafted payload skips the form's own limits); the
 * errors are shown next to the fields, in the editor's language.
 */
export function checkSubmission(
  t: Translator,
  values: SaveSubmission['view']['state']['values'],
): { ok: true; question: string; answer: string } | { ok: false; errors: Record<string, string> } {
  const question = (values[QUESTION_BLOCK]?.[VALUE_INPUT]?.value ?? '').replace(/\s+/g, ' ').trim();
  const answer = (values[ANSWER_BLOCK]?.[VALUE_INPUT]?.value ?? '').trim();
  const errors: Record<string, string> = {};
  if (question.length < QUESTION_MIN)
    errors[QUESTION_BLOCK] = t.t('knowledge.save.question_too_short', { min: QUESTION_MIN });
  else if (question.length > QUESTION_MAX)
    errors[QUESTION_BLOCK] = t.t('knowledge.save.question_too_long', { max: QUESTION_MAX });
  if (!answer) errors[ANSWER_BLOCK] = t.t('knowledge.save.answer_missing');
  else if (answer.length > ANSWER_MAX)
    errors[ANSWER_BLOCK] = t.t('knowledge.save.answer_too_long', { max: ANSWER_MAX });
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, question, answer };
}
