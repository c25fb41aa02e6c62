import type { KnownBlock } from '@slack/types';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import { utcDay } from '../usage/periods.js';
import type { DeskPeriod } from './desk-stats.js';

/** The UTC days of the last `n` days, today included. */
export function lastDays(now: number, n: number): string[] {
  return Array.from({ length: n }, (_, i) => utcDay(now - i * 86_400_000));
}

export function median(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const STOPWORDS = new Set(
  `a an and are as at be but by can could do does for from get got has have how i if in is it its me my no not of on or our
  please should so that the their there this to up us was we what when where which who why will with would you your
  anyone someone help hi hello hey thanks know need any just still`.split(/\s+/),
);

/** The words most unanswered questions share (counted once per question), most common first. */
export function topTopics(questions: readonly string[], n = 5): Array<{ topic: string; questions: number }> {
  const counts = new Map<string, number>();
  for (const q of questions) {
    const words = new Set(
      q
        .toLowerCase()
        .replace(/<[^>]*>/g, ' ')
        .split(/[^\p{L}\p{N}-]+/u)
        .filter((w) => w.length > 2 && !STOPWORDS.has(w) && !/^\d+$/.test(w)),
    );
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, n)
    .map(([topic, questions]) => ({ topic, questions }));
}

export function minutes(ms: number): string {
  const m = ms / 60_000;
  return m < 1 ? `${Math.round(ms / 1000)} s` : m < 120 ? `${Math.round(m)} min` : `${(m / 60).toFixed(1)} h`;
}

/** The lines of a desk report, as the command and App Home show them. */
export function statsLines(p: DeskPeriod): string[] {
  const c = p.counts;
  const pct = (n: number) => (c.questions ? ` (${Math.round((n / c.questions) * 100)}%)` : '');
  const med = median(p.firstReplyMs);
  const topics = topTopics(p.unanswered);
  return [
    `• Questions: ${c.questions}`,
    `• Answered by the bot: ${c.answered}${pct(c.answered)}`,
    `• Solved without a person (deflection): ${c.deflected}${pct(c.deflected)}`,
    `• Hand-offs: ${c.handoffs}`,
    `• SLA breaches: ${c.sla_breaches}`,
    `• Median time to first human reply: ${med === undefined ? 'no human replies yet' : minutes(med)}`,
    `• Top unanswered topics: ${topics.length ? topics.map((t) => mrkdwn`${t.topic} (${String(t.questions)})`).join(', ') : 'none'}`,
  ];
}

/** The App Home section for the admins. */
export function statsSection(p: DeskPeriod, days: number): KnownBlock[] {
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Help desk, last ${days} days*\n${statsLines(p).join('\n')}` },
    },
    { type: 'divider' },
  ];
}
