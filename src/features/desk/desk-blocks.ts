import type { KnownBlock } from '@slack/types';
import { type Markup, mention, mrkdwn, oncallMention } from '../../platform/slack/mrkdwn.js';
import { minutes } from './stats.js';

export const SOLVED_ACTION = 'tw_desk_solved';
export const HUMAN_ACTION = 'tw_desk_human';

/** "Solved it" and "I need a human" under a desk answer (the feedback buttons follow). */
export function deskButtons(): KnownBlock[] {
  return [
    {
      type: 'actions',
      block_id: 'tw_desk',
      elements: [
        {
          type: 'button',
          action_id: SOLVED_ACTION,
          text: { type: 'plain_text', text: 'Solved it' },
          style: 'primary',
          value: 'solved',
        },
        {
          type: 'button',
          action_id: HUMAN_ACTION,
          text: { type: 'plain_text', text: 'I need a human' },
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

/** The hand-off: on-call mentioned, then a short summary of the question and what was already tried. */
export function handoffText(h: {
  oncall: readonly string[];
  asker: string;
  by: string;
  question: string;
  tried: string;
}): string {
  const who = h.oncall.length ? oncallLine(h.oncall) : 'Someone from the team';
  const asked =
    h.by === h.asker
      ? mrkdwn`${mention(h.asker)} asked for a person.`
      : mrkdwn`${mention(h.by)} asked for a person to help ${mention(h.asker)}.`;
  return [
    `${HANDOFF_MARK} ${who}, could you take this one? ${asked}`,
    mrkdwn`*Question:* ${oneLine(h.question, 280)}`,
    mrkdwn`*Tried so far:* ${h.tried}`,
  ].join('\n');
}

/** An SLA escalation: on-call mentioned with how long the question has waited for a person. */
export function escalationText(oncall: readonly string[], waitedMs: number, level: 1 | 2): string {
  const who = oncall.length ? oncallLine(oncall) : 'Team';
  const again = level === 2 ? ' still' : '';
  return `${ESCALATION_MARK} ${who}: this question has${again} been waiting ${minutes(waitedMs)} for a person.`;
}
