import type { Logger } from 'pino';
import type { Subcommand } from '../../../platform/slack/command-router.js';
import { mrkdwn } from '../../../platform/slack/mrkdwn.js';
import type { Admins } from '../../access/admins.js';
import type { SyncEngine, SyncOutcome } from './engine.js';
import { outcomeLine } from './report.js';

/**
 * `/threadwise sync [name…]` (admins): syncs the named sources (default all) now. A sync can outlast the 3 s an
 * acknowledgement may take, so the reply says it started and the counts follow through the response_url.
 */
export function syncSubcommand(deps: {
  engine: Pick<SyncEngine, 'names' | 'sync'>;
  admins: Pick<Admins, 'includes'>;
  log: Logger;
}): Subcommand {
  return {
    name: 'sync',
    usage: (t) => `sync [${t.t('command.arg_source')}]`,
    description: (t) => t.t('subcommand.sync'),
    async run(ctx) {
      if (!(await deps.admins.includes(ctx.teamId, ctx.userId))) return ctx.t.t('reply.not_admin.sync');
      const configured = deps.engine.names();
      if (!configured.length) return ctx.t.t('reply.sync.none');
      const asked = ctx.args.length ? [...new Set(ctx.args)] : configured;
      const unknown = asked.filter((n) => !configured.includes(n));
      if (unknown.length)
        return ctx.t.t('reply.sync.unknown', {
          names: mrkdwn`${ctx.t.list(unknown)}`,
          sources: mrkdwn`${ctx.t.list(configured)}`,
        });
      const followUp = ctx.followUp;
      const work = Promise.all(asked.map((n) => deps.engine.sync(n))).then((all) =>
        all.filter((o): o is SyncOutcome => Boolean(o)),
      );
      deps.log.info({ admin: ctx.userId, sources: asked }, 'knowledge sync asked from Slack');
      void work
        .then(async (outcomes) => {
          await followUp?.(outcomes.map((o) => outcomeLine(ctx.t, o)).join('\n'));
          deps.log.info({ sources: asked }, 'knowledge sync reported');
        })
        .catch((err: Error) => deps.log.warn({ err: { message: err.message } }, 'could not report the knowledge sync'));
      const sources = mrkdwn`${ctx.t.list(asked)}`;
      return ctx.t.t(followUp ? 'reply.sync.started_follow_up' : 'reply.sync.started_home', { sources });
    },
  };
}
