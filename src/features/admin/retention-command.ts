import type { SettingsSource } from '../../config/live-settings.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { Admins } from '../access/admins.js';

const DAY_MS = 86_400_000;

/** `/threadwise retention`: how long each kind of data is kept here, and what forget-me and reset delete (admins). */
export function retentionSubcommand(deps: { settings: SettingsSource; admins: Admins }): Subcommand {
  return {
    name: 'retention',
    description: (t) => t.t('subcommand.retention'),
    async run(ctx) {
      const { t } = ctx;
      if (!(await deps.admins.includes(ctx.teamId, ctx.userId))) return t.t('reply.not_admin.retention');
      const file = deps.settings.current();
      const days = (n: number) => t.duration(n * DAY_MS);
      const perChannel = Object.entries(file.state.channels).map(([id, c]) =>
        t.t('reply.retention.channel', {
          channel: mrkdwn`#${id}`,
          ttl: days(c.ttl_days),
          here: String(id === ctx.channelId),
        }),
      );
      return [
        t.t('reply.retention.title'),
        t.t('reply.retention.conversations', {
          ttl: days(file.state.ttl_days),
          except: String(perChannel.length > 0),
        }),
        ...perChannel,
        t.t('reply.retention.audit', { ttl: days(file.audit.retention_days) }),
        t.t('reply.retention.pending', { minutes: file.tools.approval_ttl_minutes }),
        t.t('reply.retention.dedupe', { hours: file.state.dedupe_ttl_hours }),
        t.t('reply.retention.usage'),
        t.t('reply.retention.settings'),
        t.t('reply.retention.deleting'),
      ].join('\n');
    },
  };
}
