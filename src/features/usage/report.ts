import type { FileConfig } from '../../config/file-schema.js';
import type { UsageTotals } from '../../turn/ports.js';
import { humanDuration, nextUtcDay, nextUtcMonth } from './periods.js';
import { formatCount as fmt, formatUsd } from './prices.js';
import { limitsFor } from './quota.js';
import type { UsageReport } from './types.js';

const tokens = (t: UsageTotals) => t.inputTokens + t.outputTokens;
const usd = (micros: number) => formatUsd(micros / 1e6);

function line(t: UsageTotals): string {
  if (!t.calls) return 'nothing yet';
  return `${fmt(tokens(t))} tokens (${fmt(t.inputTokens)} input of which ${fmt(t.cachedTokens)} cached, ${fmt(t.outputTokens)} output) in ${fmt(t.calls)} model calls — ${usd(t.usdMicros)}`;
}

/** The ephemeral text of `/threadwise usage`: the caller today, the workspace this month, top users for admins. */
export function formatUsageReport(
  report: UsageReport,
  limits: FileConfig['limits'],
  ctx: { channelId: string; userId: string; now: number },
): string {
  const own = limitsFor(limits, ctx.channelId, ctx.userId);
  const month = new Date(ctx.now).toLocaleDateString('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const out = [
    `*Your usage today* (UTC; resets in ${humanDuration(nextUtcDay(ctx.now) - ctx.now)})`,
    `• ${line(report.userToday)}`,
  ];
  if (own === 'exempt') out.push('• You are an admin: quotas do not apply to you.');
  else if (own.userDailyTokens !== undefined) {
    const left = Math.max(0, own.userDailyTokens - tokens(report.userToday));
    out.push(`• Daily limit here: ${fmt(own.userDailyTokens)} tokens — ${fmt(left)} left`);
  }
  out.push(`• This month: ${line(report.userMonth)}`);
  out.push(
    '',
    `*This workspace in ${month}* (resets in ${humanDuration(nextUtcMonth(ctx.now) - ctx.now)})`,
    `• ${line(report.workspaceMonth)}`,
  );
  if (limits.workspace_monthly_usd !== undefined) {
    out.push(
      `• Monthly budget: ${formatUsd(limits.workspace_monthly_usd)} — ${usd(Math.max(0, limits.workspace_monthly_usd * 1e6 - report.workspaceMonth.usdMicros))} left`,
    );
  }
  if (own === 'exempt') {
    out.push('', '*Top users this month*');
    if (!report.top.length) out.push('• nobody yet');
    for (const [i, u] of report.top.entries())
      out.push(`${i + 1}. <@${u.userId}> — ${fmt(u.tokens)} tokens, ${usd(u.usdMicros)}`);
  }
  return out.join('\n');
}
