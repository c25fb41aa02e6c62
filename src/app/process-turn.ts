import type { Logger } from 'pino';
import type { FileConfig } from '../config/file-schema.js';
import { channelSettings } from '../config/settings.js';
import type { TurnJob, TurnProcessor } from '../queue/types.js';
import { resolveSlackMarkup } from '../slack/markup.js';
import { SlackReplyWriter } from '../slack/reply-writer.js';
import type { SlackWorkspaces } from '../slack/workspaces.js';
import type { TurnLedger } from '../store/types.js';
import { RESTART_NOTE } from '../turn/notices.js';
import { runTurn, type TurnDeps } from '../turn/run-turn.js';

export interface ProcessTurnDeps {
  file: FileConfig;
  envModel: string;
  workspaces: SlackWorkspaces;
  turns: TurnLedger;
  turn: TurnDeps;
  log: Logger;
}

/**
 * Glue between a queued Slack message and the pure turn: resolve names and markup, open the reply, run.
 * A job can run more than once (its replica died, or an unexpected error): a turn that already completed is
 * skipped, and one that had started replying takes over its own half-written message instead of adding one.
 */
export function createTurnProcessor(deps: ProcessTurnDeps): TurnProcessor {
  return async (job: TurnJob) => {
    const log = deps.log.child({ turn: job.id });
    const history = await deps.turn.threads.load(job.key);
    if (history.some((item) => item.type === 'user' && item.ts === job.messageTs)) {
      log.info('turn already completed by an earlier attempt; nothing to do');
      return;
    }
    const earlier = await deps.turns.replies(job.id);
    log.info({ resumed: earlier.length > 0 }, 'turn started');
    const workspace = await deps.workspaces.forTeam(job.key.teamId);
    const settings = channelSettings(deps.file, deps.envModel, job.key.channel, job.isDm);
    const [userName, text] = await Promise.all([
      workspace.lookups.userName(job.userId),
      resolveSlackMarkup(job.text, workspace.lookups, { botUserId: workspace.botUserId }),
    ]);
    const sink = new SlackReplyWriter(
      workspace.client,
      workspace.gate,
      { teamId: job.key.teamId, channel: job.key.channel, threadTs: job.key.threadTs, recipientUserId: job.userId },
      {
        firstFlushMs: deps.file.slack.first_flush_ms,
        flushIntervalMs: deps.file.slack.flush_interval_ms,
        nativeStreaming: deps.file.slack.native_streaming,
        onMessage: (ts) => deps.turns.recordReply(job.id, ts),
      },
      log,
    );
    if (earlier.length) {
      log.warn({ messages: earlier.length }, 'an earlier attempt of this turn was interrupted; taking over its reply');
      await sink.takeOver(earlier, RESTART_NOTE);
    }
    const result = await runTurn(
      { turnId: job.id, key: job.key, settings, user: { id: job.userId, name: userName ?? job.userId }, text, messageTs: job.messageTs, sink },
      { ...deps.turn, log },
    );
    log.info({ outcome: result.outcome, messages: result.messageTs.length, queue_wait_ms: Date.now() - job.receivedAt, resumed: earlier.length > 0 }, 'turn finished');
  };
}
