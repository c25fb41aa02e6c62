import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { LiveSettings } from '../../config/live-settings.js';
import type { ToolName } from '../../config/tools-schema.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import type { Admins } from '../access/admins.js';
import { channelModal } from './channel-modal.js';

/** `/threadwise admin channel`: the current channel's settings in a modal (admins only). */
export function adminSubcommand(deps: {
  settings: LiveSettings;
  envModel: string;
  tools: readonly ToolName[];
  admins: Admins;
  client: (teamId: string) => Promise<WebClient>;
  log: Logger;
}): Subcommand {
  return {
    name: 'admin',
    usage: 'admin channel',
    description: (t) => t.t('subcommand.admin'),
    async run(ctx) {
      if (!(await deps.admins.includes(ctx.teamId, ctx.userId))) return ctx.t.t('reply.not_admin.settings');
      if (ctx.args[0] !== 'channel') return ctx.t.t('reply.admin.how');
      if (!ctx.triggerId) return ctx.t.t('reply.admin.no_trigger');
      const view = channelModal(ctx.t, {
        channel: ctx.channelId,
        file: deps.settings.current(),
        envModel: deps.envModel,
        tools: deps.tools,
      });
      const client = await deps.client(ctx.teamId);
      await client.views.open({ trigger_id: ctx.triggerId, view });
      deps.log.info({ channel: ctx.channelId, admin: ctx.userId }, 'channel settings opened');
      return ctx.t.t('reply.admin.opened');
    },
  };
}
