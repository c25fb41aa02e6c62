import type { KnownBlock } from '@slack/types';

export const FEEDBACK_ACTION = 'tw_feedback';
const FEEDBACK_BLOCK = 'tw_feedback';

/** Thumbs up / down under a finished answer: a context_actions block with feedback_buttons (Slack's AI-app feedback UI). */
export function feedbackBlocks(): KnownBlock[] {
  return [
    {
      type: 'context_actions',
      block_id: FEEDBACK_BLOCK,
      elements: [
        {
          type: 'feedback_buttons',
          action_id: FEEDBACK_ACTION,
          positive_button: {
            text: { type: 'plain_text', text: 'Good answer' },
            value: 'positive',
            accessibility_label: 'Mark this answer as helpful',
          },
          negative_button: {
            text: { type: 'plain_text', text: 'Bad answer' },
            value: 'negative',
            accessibility_label: 'Mark this answer as not helpful',
          },
        },
      ],
    },
  ];
}

export function feedbackThanks(value: 'positive' | 'negative'): string {
  return value === 'positive'
    ? 'Thanks for the feedback! Glad it helped.'
    : 'Thanks for the feedback. Sorry that missed — reply in the thread with what was wrong and I will try again.';
}
