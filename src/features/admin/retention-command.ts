import type { SettingsSource } from '../../config/live-settings.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { Admins } from '../access/admins.js';
import { NOT_ADMIN } from './admin-command.js';

const days = (n: number) => (n < 1 ? `${Math.round(n * 24)} hours` : `${n} day${n === 1 ? '' : 's'}`);

/** `/threadwise retention`: how long each kind of data is kept here, and what forget-me and reset delete (admins). */
export function retentionSubcommand(deps: { settings: SettingsSource; admins: Admins }): Subcommand {
  return {
    name: 'retention',
    description: (t) => t.t('subcommand.retention'),
    async run(ctx) {
      if (!(await deps.admins.includes(ctx.teamId, ctx.userId)))
        return NOT_ADMIN.replace('change my settings', 'see retention');
      const file = deps.settings.current();
      const perChannel = Object.entries(file.state.channels).map(
        ([id, c]) => mrkdwn`  ◦ #${id}: ${days(c.ttl_days)}${id === ctx.channelId ? ' (this channel)' : ''}`,
      );
      return [
        '*What I keep, and for how long*',
        `• Conversations (messages, answers, files, tool results): ${days(file.state.ttl_days)} after the last message (\`state.ttl_days\`)${perChannel.length ? ', except:' : ''}`,
        ...perChannel,
        `• Audit records: ${days(file.audit.retention_days)} (\`audit.retention_days\`)`,
        `• Pending ticket approvals and triage cards: ${file.tools.approval_ttl_minutes} minutes (\`tools.approval_ttl_minutes\`)`,
        `• Slack event ids (to drop retries): ${file.state.dedupe_ttl_hours} hours (\`state.dedupe_ttl_hours\`)`,
        '• Usage counters: numbers only, under a one-way hash of the person, per day and month',
        '• Channel settings changed from Slack, with who changed them: until changed again',
        '*Deleting*: `/threadwise reset` forgets the caller’s latest conversation here; `/threadwise forget-me` deletes their DMs, their messages in threads, votes, pending approvals, the audit records about them (keeping one: that forget-me ran) and their name in the history of channel settings.',
      ].join('\n');
    },
  };
}
