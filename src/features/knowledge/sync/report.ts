import type { KnownBlock } from '@slack/types';
import type { Translator } from '../../../i18n/translators.js';
import { clipPlain, mrkdwn } from '../../../platform/slack/mrkdwn.js';
import type { SyncOutcome } from './engine.js';
import type { SyncStatus } from './status.js';

/** Documents named per source in a reply (the rest are counted). */
const NAMED_PROBLEMS = 3;

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

/** App Home (admins), in the viewer's language: each source's state, so a broken one is seen where admins look. */
export function statusSection(
  t: Translator,
  names: readonly string[],
  statuses: Record<string, SyncStatus>,
): KnownBlock[] {
  if (!names.length) return [];
  const lines = names.map((name) => {
    const s = statuses[name];
    const shown = mrkdwn`${name}`;
    if (!s) return t.t('knowledge.sync.not_synced', { name: shown });
    const last = s.lastSuccessAt
      ? t.t('knowledge.sync.last_synced', { at: t.utc(s.lastSuccessAt) })
      : t.t('knowledge.sync.never_synced');
    const base = t.t('knowledge.sync.line', { name: shown, documents: s.documents, last });
    const failing = s.lastError
      ? `\n    ${t.t('knowledge.sync.failing', { at: t.utc(s.lastAttemptAt), error: mrkdwn`${clipPlain(s.lastError, 300)}` })}`
      : '';
    const unread = s.problemCount
      ? `\n    ${t.t('knowledge.sync.unread', {
          count: s.problemCount,
          id: mrkdwn`${clipPlain(s.problems[0]?.id ?? '', 120)}`,
          message: mrkdwn`${clipPlain(s.problems[0]?.message ?? '', 160)}`,
        })}`
      : '';
    return base + failing + unread;
  });
  return [
    { type: 'header', text: { type: 'plain_text', text: t.t('knowledge.sync.title') } },
    { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: t.t('knowledge.sync.footer') }] },
  ];
}

/**
 * The /readyz detail: the failing sources and why (readiness itself stays true; answers still come). English: it is
 * read by probes and operators' tooling, not shown in Slack.
 */
export function readinessDetail(names: readonly string[], statuses: Record<string, SyncStatus>): string | undefined {
  const failing = names.filter((n) => statuses[n]?.lastError);
  if (!failing.length) return undefined;
  return failing
    .map((n) => `${n}: latest sync failed (${statuses[n]!.lastError}); serving its last good index`)
    .join('; ');
}
