import type { KnownBlock } from '@slack/types';
import type { Translator } from '../../i18n/translators.js';

export const FEEDBACK_ACTION = 'tw_feedback';
const FEEDBACK_BLOCK = 'tw_feedback';

/** Thumbs up / down under a finished answer: a context_actions block with feedback_buttons (Slack's AI-app feedback UI). */
export function feedbackBlocks(t: Translator): KnownBlock[] {
  return [
    {
      type: 'context_actions',
      block_id: FEEDBACK_BLOCK,
      elements: [
        {
          type: 'feedback_buttons',
          action_id: FEEDBACK_ACTION,
          positive_button: {
            text: { type: 'plain_text', text: t.t('feedback.good') },
            value: 'positive',
            accessibility_label: t.t('feedback.good_label'),
          },
          negative_button: {
            text: { type: 'plain_text', text: t.t('feedback.bad') },
            value: 'negative',
            accessibility_label: t.t('feedback.bad_label'),
          },
        },
      ],
    },
  ];
}

export function feedbackThanks(t: Translator, value: 'positive' | 'negative'): string {
  return t.t(value === 'positive' ? 'feedback.thanks_good' : 'feedback.thanks_bad');
}
