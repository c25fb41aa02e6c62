import type { FileConfig } from '../../config/file-schema.js';
import type { Translator } from '../../i18n/translators.js';
import { mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { UsageTotals } from '../../turn/ports.js';
import { nextUtcDay, nextUtcMonth } from './periods.js';
import { limitsFor } from './quota.js';
import type { UsageReport } from './types.js';

const tokens = (u: UsageTotals) => u.inputTokens + u.outputTokens;

function line(t: Translator, u: UsageTotals): string {
  if (!u.calls) return t.t('reply.usage.nothing');
  return t.t('reply.usage.line', {
    tokens: tokens(u),
    input: u.inputTokens,
    cached: u.cachedTokens,
    output: u.outputTokens,
    calls: u.calls,
    cost: t.usd(u.usdMicros / 1e6),
  });
}

/** The ephemeral text of `/threadwise usage`: the caller today, the workspace this month, top users for admins. */
export function formatUsageReport(
  t: Translator,
  report: UsageReport,
  limits: FileConfig['limits'],
  ctx: { channelId: string; userId: string; now: number },
): string {
  const own = limitsFor(limits, ctx.channelId, ctx.userId);
  const month = new Intl.DateTimeFormat(t.language, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    ctx.now,
  );
  const out = [
    t.t('reply.usage.today_title', { resetIn: t.duration(nextUtcDay(ctx.now) - ctx.now) }),
    t.t('reply.usage.today', { line: line(t, report.userToday) }),
  ];
  if (own === 'exempt') out.push(t.t('reply.usage.exempt'));
  else if (own.userDailyTokens !== undefined) {
    const left = Math.max(0, own.userDailyTokens - tokens(report.userToday));
    out.push(t.t('reply.usage.daily_limit', { limit: own.userDailyTokens, left }));
  }
  out.push(t.t('reply.usage.month', { line: line(t, report.userMonth) }));
  out.push(
    '',
    t.t('reply.usage.workspace_title', { month, resetIn: t.duration(nextUtcMonth(ctx.now) - ctx.now) }),
    t.t('reply.usage.workspace', { line: line(t, report.workspaceMonth) }),
  );
  if (limits.workspace_monthly_usd !== undefined) {
    const left = Math.max(0, limits.workspace_monthly_usd * 1e6 - report.workspaceMonth.usdMicros) / 1e6;
    out.push(t.t('reply.usage.budget', { budget: t.usd(limits.workspace_monthly_usd), left: t.usd(left) }));
  }
  if (own === 'exempt') {
    out.push('', t.t('reply.usage.top_title'));
    if (!report.top.length) out.push(t.t('reply.usage.top_none'));
    for (const [i, u] of report.top.entries())
      out.push(
        t.t('reply.usage.top_line', {
          rank: i + 1,
          user: mrkdwn`${mention(u.userId)}`,
          tokens: u.tokens,
          cost: t.usd(u.usdMicros / 1e6),
        }),
      );
  }
  return out.join('\n');
}
