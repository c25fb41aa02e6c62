import type { KnownBlock, ModalView } from '@slack/types';
import { z } from 'zod';
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

const TITLE = { type: 'plain_text', text: 'Save as answer' } as const;
const CLOSE = { type: 'plain_text', text: 'Cancel' } as const;

const note = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** Opened at once (the trigger_id lasts 3 s); the draft replaces it when the model has written one. */
export function loadingModal(target: SaveTarget): ModalView {
  return {
    type: 'modal',
    callback_id: SAVE_VIEW,
    private_metadata: JSON.stringify(target),
    title: TITLE,
    close: CLOSE,
    blocks: [note('⏳ Reading the thread and drafting a question and answer from it…')],
  };
}

/** Said instead of a form when this thread cannot be saved; nothing to submit. */
export function noticeModal(target: SaveTarget, text: string): ModalView {
  return { ...loadingModal(target), close: { type: 'plain_text', text: 'Close' }, blocks: [note(text)] };
}

/**
 * The editable form: the model's draft (or empty fields and why, when it wrote none). Nothing is kept until the
 * editor presses Save; Cancel keeps nothing.
 */
export function draftModal(
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
          text: mrkdwn`From ${slackLink(target.permalink, 'this thread')}. Check and edit it: approved answers are searched first and cited as approved. Nothing is saved until you press Save.`,
        },
      ],
    },
    ...(problem ? [note(mrkdwn`⚠️ ${problem} Please write the question and the answer yourself.`)] : []),
    {
      type: 'input',
      block_id: QUESTION_BLOCK,
      label: { type: 'plain_text', text: 'Question' },
      element: {
        type: 'plain_text_input',
        action_id: VALUE_INPUT,
        min_length: QUESTION_MIN,
        max_length: QUESTION_MAX,
        ...(draft?.question ? { initial_value: draft.question } : {}),
        placeholder: { type: 'plain_text', text: 'How do I…?' },
      },
    },
    {
      type: 'input',
      block_id: ANSWER_BLOCK,
      label: { type: 'plain_text', text: 'Answer' },
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
    title: TITLE,
    submit: { type: 'plain_text', text: 'Save' },
    close: CLOSE,
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

/** What the editor typed, checked as Slack's form should have (a crafted payload skips the form's own limits). */
export function checkSubmission(
  values: SaveSubmission['view']['state']['values'],
): { ok: true; question: string; answer: string } | { ok: false; errors: Record<string, string> } {
  const question = (values[QUESTION_BLOCK]?.[VALUE_INPUT]?.value ?? '').replace(/\s+/g, ' ').trim();
  const answer = (values[ANSWER_BLOCK]?.[VALUE_INPUT]?.value ?? '').trim();
  const errors: Record<string, string> = {};
  if (question.length < QUESTION_MIN)
    errors[QUESTION_BLOCK] = `Please write the question (at least ${QUESTION_MIN} characters).`;
  else if (question.length > QUESTION_MAX)
    errors[QUESTION_BLOCK] = `Please shorten the question to ${QUESTION_MAX} characters or fewer.`;
  if (!answer) errors[ANSWER_BLOCK] = 'Please write the answer.';
  else if (answer.length > ANSWER_MAX)
    errors[ANSWER_BLOCK] = `Please shorten the answer to ${ANSWER_MAX} characters or fewer.`;
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, question, answer };
}
