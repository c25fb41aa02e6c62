import type { Translator } from '../../i18n/translators.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { clipMrkdwn, clipPlain, mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { AuditLog, AuditRecord } from '../../platform/store/audit-log.js';
import type { Admins } from '../access/admins.js';

/** Records shown in one ephemeral answer (the newest); the export has them all. */
const SHOWN = 25;
const DEFAULT_DAYS = 7;
const USAGE = 'audit [@person|#channel-id|here] [7d|24h]';

export interface AuditFilter {
  user?: string;
  channel?: string;
  sinceMs: number;
}

/** `[@user|<@U…>|#C…|here] [7d|24h]`, in any order; undefined words come back as the problem. */
export async function parseAuditArgs(
  args: readonly string[],
  ctx: { teamId: string; channelId: string; t: Translator },
  people: Pick<PeopleDirectory, 'members'>,
): Promise<{ filter: AuditFilter } | { problem: string }> {
  const filter: AuditFilter = { sinceMs: DEFAULT_DAYS * 86_400_000 };
  for (const word of args) {
    const period = /^(\d+)([hd])$/.exec(word);
    const userId = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(word)?.[1] ?? /^([UW][A-Z0-9]+)$/.exec(word)?.[1];
    const channel = /^<#([CGD][A-Z0-9]+)(\|[^>]*)?>$/.exec(word)?.[1] ?? /^#([CGD][A-Z0-9]+)$/.exec(word)?.[1];
    if (period && Number(period[1]) > 0)
      filter.sinceMs = Number(period[1]) * (period[2] === 'h' ? 3_600_000 : 86_400_000);
    else if (userId) filter.user = userId;
    else if (channel) filter.channel = channel;
    else if (word === 'here') filter.channel = ctx.channelId;
    else if (/^@[a-z0-9][a-z0-9._-]*$/.test(word)) {
      const found = [...(await people.members(ctx.teamId, [word]))];
      if (found.length !== 1) return { problem: ctx.t.t('reply.audit.no_person', { word: mrkdwn`${word}` }) };
      filter.user = found[0];
    } else
      return {
        problem: ctx.t.t('reply.audit.not_understood', { word: mrkdwn`${word}`, usage: `/threadwise ${USAGE}` }),
      };
  }
  return { filter };
}

const when = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 16);

/**
 * One line per record, for the admin who asked, in their language: when, who, what, where, and for tool calls the
 * decision and the rule. The action, decision, outcome and detail are the record's own identifiers (what the export
 * and the log hold), so they stay as stored; the words around them are the catalog's.
 */
export function auditLine(t: Translator, r: AuditRecord): string {
  // Clipped as text, then escaped by the template: arguments are foreign text.
  const args = r.args === undefined ? '' : clipPlain(JSON.stringify(r.args), 160);
  const rule = r.rule ? mrkdwn` (${r.rule})` : '';
  const what =
    r.action === 'tool_call'
      ? mrkdwn`\`${r.tool ?? ''}\` ${args} — *${r.decision ?? ''}*` +
        rule +
        (r.resultChars !== undefined ? `, ${t.t('admin.audit.chars', { count: r.resultChars })}` : '')
      : [
          mrkdwn`${r.outcome ?? r.decision ?? ''}` + rule,
          r.detail ? clipMrkdwn(mrkdwn`${JSON.stringify(r.detail)}`, 160) : '',
        ]
          .filter(Boolean)
          .join(' ');
  return t
    .t('admin.audit.line', {
      when: when(r.at),
      actor: mrkdwn`${mention(r.actor)}`,
      action: mrkdwn`${r.action}`,
      what,
      channel: r.channel ? mrkdwn`${r.channel}` : 'none',
    })
    .replace(/\s+$/, '');
}

/** `/threadwise audit [@user|#channel] [7d]`: the newest audit records, for admins only (the answer is ephemeral). */
export function auditSubcommand(deps: {
  audit: AuditLog;
  admins: Admins;
  people: Pick<PeopleDirectory, 'members'>;
  now?: () => number;
}): Subcommand {
  return {
    name: 'audit',
    usage: 'audit [@person|#channel-id|here] [7d]',
    description: (t) => t.t('subcommand.audit'),
    async run(ctx) {
      const { t } = ctx;
      if (!(await deps.admins.includes(ctx.teamId, ctx.userId))) return t.t('reply.not_admin.audit');
      const parsed = await parseAuditArgs(ctx.args, ctx, deps.people);
      if ('problem' in parsed) return parsed.problem;
      const { filter } = parsed;
      const now = deps.now?.() ?? Date.now();
      const records = await deps.audit.query({
        teamId: ctx.teamId,
        since: now - filter.sinceMs,
        ...(filter.user ? { actor: filter.user } : {}),
        ...(filter.channel ? { channel: filter.channel } : {}),
      });
      const scope = t.t('reply.audit.scope', {
        user: filter.user ? mrkdwn`${mention(filter.user)}` : 'none',
        channel: filter.channel ? mrkdwn`#${filter.channel}` : 'none',
        hours: Math.round(filter.sinceMs / 3_600_000),
      });
      if (!records.length) return t.t('reply.audit.none', { scope });
      const shown = records.slice(-SHOWN);
      return [
        t.t('reply.audit.title', {
          scope,
          count: records.length,
          more: String(records.length > SHOWN),
          shown: SHOWN,
        }),
        ...shown.map((r) => auditLine(t, r)),
      ].join('\n');
    },
  };
}
