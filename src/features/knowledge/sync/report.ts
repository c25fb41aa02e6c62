import type { KnownBlock } from '@slack/types';
import type { Translator } from '../../../i18n/translators.js';
import { clipPlain, mrkdwn } from '../../../platform/slack/mrkdwn.js';
import type { SyncOutcome } from './engine.js';
import type { SyncStatus } from './status.js';

/** Documents named per source in a reply (the rest are counted). */
const NAMED_PROBLEMS = 3;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line per source for the `/threadwise sync` reply, in the caller's language: what changed, or why it failed. */
export function outcomeLine(t: Translator, o: SyncOutcome): string {
  const source = mrkdwn`${o.source}`;
  if (o.result === 'busy') return t.t('reply.sync.outcome.busy', { source });
  if (o.result === 'failed')
    return t.t('reply.sync.outcome.failed', { source, error: mrkdwn`${clipPlain(o.error, 300)}` });
  const head = t.t('reply.sync.outcome.synced', {
    source,
    upserted: o.upserted,
    deleted: o.deleted,
    documents: o.documents,
  });
  if (!o.problemCount) return head;
  const named = o.problems
    .slice(0, NAMED_PROBLEMS)
    .map((p) =>
      t.t('reply.sync.outcome.unread_one', {
        id: mrkdwn`${clipPlain(p.id, 120)}`,
        message: mrkdwn`${clipPlain(p.message, 160)}`,
      }),
    )
    .join('; ');
  const more = Math.max(0, o.problemCount - NAMED_PROBLEMS);
  return `${head}\n${t.t('reply.sync.outcome.unread', { count: o.problemCount, named, more })}`;
}

const when = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 16);

/** App Home (admins): each source's state, so a broken one is seen where admins look. */
export function statusSection(names: readonly string[], statuses: Record<string, SyncStatus>): KnownBlock[] {
  if (!names.length) return [];
  const lines = names.map((name) => {
    const s = statuses[name];
    if (!s) return mrkdwn`• \`${name}\`: not synced yet`;
    const last = s.lastSuccessAt ? `last synced ${when(s.lastSuccessAt)} UTC` : 'never synced';
    const base = mrkdwn`• \`${name}\`: ${plural(s.documents, 'document')}, ${last}`;
    const failing = s.lastError
      ? mrkdwn`\n    ⚠️ latest sync failed (${when(s.lastAttemptAt)} UTC): ${clipPlain(s.lastError, 300)}`
      : '';
    const unread = s.problemCount
      ? mrkdwn`\n    ${plural(s.problemCount, 'document')} could not be read, e.g. \`${clipPlain(s.problems[0]?.id ?? '', 120)}\`: ${clipPlain(s.problems[0]?.message ?? '', 160)}`
      : '';
    return base + failing + unread;
  });
  return [
    { type: 'header', text: { type: 'plain_text', text: 'Knowledge sources' } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: 'Sync now with `/threadwise sync [name]`. A failing source keeps its last good index.',
        },
      ],
    },
  ];
}

/** The /readyz detail: the failing sources and why (readiness itself stays true; answers still come). */
export function readinessDetail(names: readonly string[], statuses: Record<string, SyncStatus>): string | undefined {
  const failing = names.filter((n) => statuses[n]?.lastError);
  if (!failing.length) return undefined;
  return failing
    .map((n) => `${n}: latest sync failed (${statuses[n]!.lastError}); serving its last good index`)
    .join('; ');
}
