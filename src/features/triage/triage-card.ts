import { escapeMrkdwn } from '../../platform/slack/mrkdwn.js';
import type { Triage } from './schema.js';

export const TRIAGE_TICKET_ACTION = 'tw_triage_ticket';

const SEVERITY_ICON: Record<Triage['severity'], string> = { low: '🟢', medium: '🟡', high: '🟠', critical: '🔴' };
const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
/** Model-written text: escaped, so it cannot mention, link or ping anyone. */
const safe = (s: string, max: number) => escapeMrkdwn(clip(s.trim(), max));

/** The fallback text of the card (notifications, screen readers). */
export function triageCardText(t: Triage): string {
  return `Triage: ${clip(t.title, 120)} (severity ${t.severity})`;
}

/**
 * A triage as a Block Kit card: title, severity, category, component, owner, confidence, summary and steps, and a
 * "Create ticket" button (`id` names the stored triage; the ticket still needs the clicker's approval).
 */
export function triageCardBlocks(
  t: Triage,
  o: { id: string; requestedBy: string; ticketsEnabled: boolean },
): unknown[] {
  const steps = t.steps_to_reproduce.slice(0, 10).map((s, i) => `${i + 1}. ${safe(s, 250)}`);
  const blocks: unknown[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: clip(`${SEVERITY_ICON[t.severity]} ${t.title.trim() || 'Untitled report'}`, 150),
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Severity*\n${t.severity}` },
        { type: 'mrkdwn', text: `*Category*\n${safe(t.category, 100) || '—'}` },
        { type: 'mrkdwn', text: `*Component*\n${t.component ? safe(t.component, 100) : '_unknown_'}` },
        {
          type: 'mrkdwn',
          text: `*Suggested owner*\n${t.suggested_owner ? safe(t.suggested_owner, 100) : '_unknown_'}`,
        },
      ],
    },
    { type: 'section', text: { type: 'mrkdwn', text: `*Summary*\n${safe(t.summary, 2_800) || '—'}` } },
  ];
  if (steps.length)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*Steps to reproduce*\n${steps.join('\n')}`, 3_000) },
    });
  if (o.ticketsEnabled) {
    blocks.push({
      type: 'actions',
      block_id: 'tw_triage_actions',
      elements: [
        {
          type: 'button',
          action_id: TRIAGE_TICKET_ACTION,
          text: { type: 'plain_text', text: 'Create ticket' },
          style: 'primary',
          value: o.id,
        },
      ],
    });
  }
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `Confidence ${Math.round(t.confidence * 100)}% · triaged for <@${o.requestedBy}>${o.ticketsEnabled ? ' · a ticket is created only after approval' : ''}`,
      },
    ],
  });
  return blocks;
}
