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

/** "Ask Threadwise": a modal asking what to know about the message, showing a preview of it, in the asker's language. */
export function askModal(t: Translator, target: AskTarget, preview: string): ModalView {
  const shown = preview.replace(/\s+/g, ' ').trim();
  const about = t.t('shortcut.about');
  return {
    type: 'modal',
    callback_id: ASK_VIEW,
    private_metadata: JSON.stringify(target),
    title: { type: 'plain_text', text: t.t('shortcut.modal_title') },
    submit: { type: 'plain_text', text: t.t('shortcut.modal_submit') },
    close: { type: 'plain_text', text: t.t('shortcut.modal_close') },
    blocks: [
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: shown
              ? clipMrkdwn(mrkdwn`*${about}*\n>${shown}`, 320)
              : mrkdwn`*${about}*\n>_${t.t('shortcut.no_text')}_`,
          },
        ],
      },
      {
        type: 'input',
        block_id: ASK_BLOCK,
        label: { type: 'plain_text', text: t.t('shortcut.label') },
        element: {
          type: 'plain_text_input',
          action_id: ASK_INPUT,
          multiline: true,
          min_length: 2,
          max_length: 3_000,
          initial_value: t.t('shortcut.initial'),
        },
      },
    ],
  };
}
