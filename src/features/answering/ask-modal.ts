import type { ModalView } from '@slack/types';
import { z } from 'zod';
import type { Translator } from '../../i18n/translators.js';
import { clipMrkdwn, mrkdwn } from '../../platform/slack/mrkdwn.js';

export const ASK_VIEW = 'tw_ask_about_message';
export const ASK_BLOCK = 'question';
export const ASK_INPUT = 'question_input';

/** Where the shortcut was used; travels through the modal in private_metadata (≤3,000 chars). */
export const askTargetSchema = z.object({
  channel: z.string().min(1),
  messageTs: z.string().min(1),
  threadTs: z.string().min(1),
});
export type AskTarget = z.infer<typeof askTargetSchema>;

/**
 * "Ask Threadwise": a modal asking what to know about the message, showing a preview of it, in the asker's
 * language (the suggested question too, so the answer comes in that language).
 */
export function askModal(t: Translator, target: AskTarget, preview: string): ModalView {
  const about = t.t('shortcut.modal.about');
  const shown = preview.replace(/\s+/g, ' ').trim();
  return {
    type: 'modal',
    callback_id: ASK_VIEW,
    private_metadata: JSON.stringify(target),
    // Slack cuts a modal's title, submit and close at 24 characters: every catalog's words fit.
    title: { type: 'plain_text', text: t.t('shortcut.modal.title') },
    submit: { type: 'plain_text', text: t.t('shortcut.modal.submit') },
    close: { type: 'plain_text', text: t.t('shortcut.modal.close') },
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: clipMrkdwn(`${about}\n>${shown ? mrkdwn`${shown}` : t.t('shortcut.modal.no_text')}`, 320),
          },
        ],
      },
      {
        type: 'input',
        block_id: ASK_BLOCK,
        label: { type: 'plain_text', text: t.t('shortcut.modal.label') },
        element: {
          type: 'plain_text_input',
          action_id: ASK_INPUT,
          multiline: true,
          min_length: 2,
          max_length: 3_000,
          initial_value: t.t('shortcut.modal.initial'),
        },
      },
    ],
  };
}
