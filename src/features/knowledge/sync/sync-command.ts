import type { Logger } from 'pino';
import type { Subcommand } from '../../../platform/slack/command-router.js';
import { mrkdwn } from '../../../platform/slack/mrkdwn.js';
import type { Admins } from '../../access/admins.js';
import type { SyncEngine, SyncOutcome } from './engine.js';
import { outcomeLine } from './report.js';

export const NOT_ADMIN_SYNC = 'Only Threadwise admins (`limits.admins`) can sync the knowledge sources.';

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
    usage: 'sync [source]',
    description: (t) => t.t('subcommand.sync'),
    async run(ctx) {
      if (!(await deps.admins.includes(ctx.teamId, ctx.userId))) return NOT_ADMIN_SYNC;
      const configured = deps.engine.names();
      if (!configured.length) return 'No knowledge sources are configured (`knowledge.sources` or `policies.dir`).';
      const asked = ctx.args.length ? [...new Set(ctx.args)] : configured;
      const unknown = asked.filter((n) => !configured.includes(n));
      if (unknown.length)
        return mrkdwn`I have no source called \`${unknown.join(', ')}\`. The sources are: ${configured.join(', ')}.`;
      const followUp = ctx.followUp;
      const work = Promise.all(asked.map((n) => deps.engine.sync(n))).then((all) =>
        all.filter((o): o is SyncOutcome => Boolean(o)),
      );
      deps.log.info({ admin: ctx.userId, sources: asked }, 'knowledge sync asked from Slack');
      void work
        .then(async (outcomes) => {
          await followUp?.(outcomes.map(outcomeLine).join('\n'));
          deps.log.info({ sources: asked }, 'knowledge sync reported');
        })
        .catch((err: Error) => deps.log.warn({ err: { message: err.message } }, 'could not report the knowledge sync'));
      const which = mrkdwn`${asked.join(', ')}`;
      return followUp
        ? `Syncing ${which}… I’ll tell you here what changed.`
        : `Syncing ${which}… the result shows on App Home.`;
    },
  };
}
