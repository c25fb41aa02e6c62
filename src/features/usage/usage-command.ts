import type { FileConfig } from '../../config/file-schema.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { utcDay, utcMonth } from './periods.js';
import { formatUsageReport } from './report.js';
import type { UsageStore } from './types.js';

const TOP_USERS = 10;

/** `/threadwise usage`: what the caller used today and the workspace this month; admins also see top users. */
export function usageSubcommand(deps: {
  usage: UsageStore;
  limits: () => FileConfig['limits'];
  /** `limits.admins`, user groups resolved. */
  isAdmin: (teamId: string, userId: string) => Promise<boolean>;
  now?: () => number;
}): Subcommand {
  return {
    name: 'usage',
    description: (t) => t.t('subcommand.usage'),
    async run(ctx) {
      const now = deps.now?.() ?? Date.now();
      const isAdmin = await deps.isAdmin(ctx.teamId, ctx.userId);
      const report = await deps.usage.report(
        { teamId: ctx.teamId, userId: ctx.userId, day: utcDay(now), month: utcMonth(now) },
        isAdmin ? TOP_USERS : 0,
      );
      return formatUsageReport(ctx.t, report, deps.limits(), { channelId: ctx.channelId, userId: ctx.userId, now });
    },
  };
}
