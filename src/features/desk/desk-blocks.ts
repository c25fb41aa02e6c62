import type { KnownBlock } from '@slack/types';
import type { Translator } from '../../i18n/translators.js';
import { type Markup, mention, mrkdwn, oncallMention } from '../../platform/slack/mrkdwn.js';

export const SOLVED_ACTION = 'tw_desk_solved';
export const HUMAN_ACTION = 'tw_desk_human';

/** "Solved it" and "I need a human" under a desk answer (the feedback buttons follow). */
export function deskButtons(t: Translator): KnownBlock[] {
  return [
    {
      type: 'actions',
      block_id: 'tw_desk',
      elements: [
        {
          type: 'button',
          action_id: SOLVED_ACTION,
          text: { type: 'plain_text', text: t.t('desk.solved_button') },
          style: 'primary',
          value: 'solved',
        },
        {
          type: 'button',
          action_id: HUMAN_ACTION,
          text: { type: 'plain_text', text: t.t('desk.human_button') },
          value: 'human',
        },
      ],
    },
  ];
}

const joinMarkup = (ids: readonly string[]): Markup[] => ids.map(oncallMention);

function oncallLine(oncall: readonly string[]): string {
  // Each id is a Markup (a live mention); the separators are the bot's own text.
  return joinMarkup(oncall)
    .map((m) => mrkdwn`${m}`)
    .join(' ');
}

const oneLine = (s: string, max: number) => {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** How the bot's own hand-off and escalation messages start (told apart from answers when a thread is kept). */
export const HANDOFF_MARK = '🙋';
export const ESCALATION_MARK = '⏰';

/**
 * The hand-off: on-call mentioned, then a short summary of the question and what was already tried. It is a reply
 * in the asker's thread, so it is written in the asker's language (`t`); on-call read it there too.
 */
export function handoffText(
  t: Translator,
  h: {
    oncall: readonly string[];
    asker: string;
    by: string;
    question: string;
    tried: string;
  },
): string {
  const who = h.oncall.length ? oncallLine(h.oncall) : t.t('desk.someone_from_team');
  const asker = mrkdwn`${mention(h.asker)}`;
  const asked =
    h.by === h.asker
      ? t.t('desk.handoff_asked_self', { asker })
      : t.t('desk.handoff_asked_for', { by: mrkdwn`${mention(h.by)}`, asker });
  return [
    `${HANDOFF_MARK} ${t.t('desk.handoff', { who, asked })}`,
    t.t('desk.handoff_question', { question: mrkdwn`${oneLine(h.question, 280)}` }),
    t.t('desk.handoff_tried', { tried: mrkdwn`${h.tried}` }),
  ].join('\n');
}

/** An SLA escalation in the asker's thread (their language): on-call mentioned with how long the question waited. */
export function escalationText(t: Translator, oncall: readonly string[], waitedMs: number, level: 1 | 2): string {
  const who = oncall.length ? oncallLine(oncall) : t.t('desk.team');
  const waited = t.duration(waitedMs);
  return `${ESCALATION_MARK} ${t.t(level === 2 ? 'desk.escalation_again' : 'desk.escalation', { who, waited })}`;
}
