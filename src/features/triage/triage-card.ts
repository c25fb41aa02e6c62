import type { KnownBlock } from '@slack/types';
import type { Translator } from '../../i18n/translators.js';
import { clipMrkdwn, clipPlain, mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { Triage } from './schema.js';

export const TRIAGE_TICKET_ACTION = 'tw_triage_ticket';

const SEVERITY_ICON: Record<Triage['severity'], string> = { low: '🟢', medium: '🟡', high: '🟠', critical: '🔴' };
/** Slack's limits: section text 3,000, each field 2,000 (docs.slack.dev/reference/block-kit/blocks/section-block). */
const SECTION_TEXT = 3_000;
const FIELD_TEXT = 2_000;

/** A field of model-written text: escaped first, then cut to the field's limit. */
const field = (label: string, value: string | null, unknown = '—') =>
  ({
    type: 'mrkdwn',
    text: value?.trim() ? clipMrkdwn(mrkdwn`*${label}*\n${value.trim()}`, FIELD_TEXT) : `*${label}*\n${unknown}`,
  }) as const;

/** The fallback text of the card (notifications, screen readers): the model's title, escaped. */
export function triageCardText(tr: Translator, t: Triage): string {
  const title = mrkdwn`${clipPlain(t.title.trim() || tr.t('triage.untitled'), 120)}`;
  return clipMrkdwn(
    tr.t('triage.fallback', { title, severity: tr.t('triage.severity_level', { severity: t.severity }) }),
    300,
  );
}

/**
 * A triage as a Block Kit card: title, severity, category, component, owner, confidence, summary and steps, and a
 * "Create ticket" button (`id` names the stored triage; the ticket still needs the clicker's approval). Every text
 * the model wrote is escaped, so it cannot mention, link or ping anyone, and then cut to Slack's limits.
 */
export function triageCardBlocks(
  tr: Translator,
  t: Triage,
  o: { id: string; requestedBy: string; ticketsEnabled: boolean },
): KnownBlock[] {
  const unknown = tr.t('triage.unknown');
  const steps = t.steps_to_reproduce.slice(0, 10).map((s, i) => `${i + 1}. ${clipPlain(s.trim(), 250)}`);
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      // plain_text: Slack never parses it for mentions.
      text: {
        type: 'plain_text',
        text: clipPlain(`${SEVERITY_ICON[t.severity]} ${t.title.trim() || tr.t('triage.untitled')}`, 150),
      },
    },
    {
      type: 'section',
      fields: [
        {
          type: 'mrkdwn',
          text: `*${tr.t('triage.severity')}*\n${tr.t('triage.severity_level', { severity: t.severity })}`,
        },
        field(tr.t('triage.category'), t.category),
        field(tr.t('triage.component'), t.component, unknown),
        field(tr.t('triage.owner'), t.suggested_owner, unknown),
      ],
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(mrkdwn`*${tr.t('triage.summary')}*\n${t.summary.trim() || '—'}`, SECTION_TEXT),
      },
    },
  ];
  if (steps.length)
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: clipMrkdwn(mrkdwn`*${tr.t('triage.steps')}*\n${steps.join('\n')}`, SECTION_TEXT),
      },
    });
  if (o.ticketsEnabled) {
    blocks.push({
      type: 'actions',
      block_id: 'tw_triage_actions',
      elements: [
        {
          type: 'button',
          action_id: TRIAGE_TICKET_ACTION,
          text: { type: 'plain_text', text: tr.t('triage.create_ticket') },
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
        text: tr.t('triage.footer', {
          confidence: Math.round(t.confidence * 100) / 100,
          user: mrkdwn`${mention(o.requestedBy)}`,
          tickets: String(o.ticketsEnabled),
        }),
      },
    ],
  });
  return blocks;
}
