import type { KnownBlock } from '@slack/types';
import type { Translator } from '../../i18n/translators.js';
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

/** The lines of a desk report, as the command and App Home show them, in the reader's language. */
export function statsLines(t: Translator, p: DeskPeriod): string[] {
  const c = p.counts;
  const share = (n: number) =>
    c.questions ? t.t('desk.stats_share', { count: n, share: n / c.questions }) : t.t('desk.stats_count', { count: n });
  const med = median(p.firstReplyMs);
  const topics = topTopics(p.unanswered);
  return [
    t.t('desk.stats_questions', { count: c.questions }),
    t.t('desk.stats_answered', { value: share(c.answered) }),
    t.t('desk.stats_deflected', { value: share(c.deflected) }),
    t.t('desk.stats_handoffs', { count: c.handoffs }),
    t.t('desk.stats_breaches', { count: c.sla_breaches }),
    t.t('desk.stats_first_reply', {
      value: med === undefined ? t.t('desk.stats_no_replies') : t.duration(med),
    }),
    t.t('desk.stats_topics', {
      value: topics.length
        ? t.list(topics.map((x) => t.t('desk.stats_topic', { topic: mrkdwn`${x.topic}`, count: x.questions })))
        : t.t('desk.stats_no_topics'),
    }),
  ];
}

/** The App Home section for the admins. */
export function statsSection(t: Translator, p: DeskPeriod, days: number): KnownBlock[] {
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${t.t('desk.stats_title', { days })}\n${statsLines(t, p).join('\n')}` },
    },
    { type: 'divider' },
  ];
}
