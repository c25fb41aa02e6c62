import type { Logger } from 'pino';
import type { FileConfig } from '../config/file-schema.js';
import { channelSettings } from '../config/settings.js';
import { seconds, type Metrics } from '../observability/metrics.js';
import type { TurnJob, TurnProcessor } from '../queue/types.js';
import { resolveSlackMarkup } from '../slack/markup.js';
import { SlackReplyWriter } from '../slack/reply-writer.js';
import { ThreadStatus } from '../slack/thread-status.js';
import type { Workspace, SlackWorkspaces } from '../slack/workspaces.js';
import type { TurnLedger } from '../store/types.js';
import type { ToolRegistry } from '../tools/runner.js';
import type { ToolContext } from '../tools/types.js';
import { RESTART_NOTE } from '../turn/notices.js';
import type { ReplySink } from '../turn/ports.js';
import { runTurn, type TurnDeps } from '../turn/run-turn.js';

export interface ProcessTurnDeps {
  file: FileConfig;
  envModel: string;
  workspaces: SlackWorkspaces;
  turns: TurnLedger;
  turn: TurnDeps;
  /** Tools offered to the model; none when nothing is configured. */
  tools?: ToolRegistry;
  log: Logger;
  metrics: Metrics;
}

/**
 * Glue between a queued Slack message and the pure turn: resolve names, markup and files, open the reply, run.
 * A job can run more than once (its replica died, or an unexpected error): a turn that already completed is
 * skipped, and one that had started replying takes over its own half-written message instead of adding one.
 */
export function createTurnProcessor(deps: ProcessTurnDeps): TurnProcessor {
  const { metrics } = deps;
  return async (job: TurnJob) => {
    const startedAt = Date.now();
    metrics.queueWaitSeconds.observe(seconds(startedAt - job.receivedAt));
    // Every line of this turn carries its id and the Slack ids, so one filter finds the whole story.
    const log = deps.log.child({
      turn: job.id,
      slack: { team: job.key.teamId, channel: job.key.channel, thread_ts: job.key.threadTs, message_ts: job.messageTs, user: job.userId },
    });
    const history = await deps.turn.threads.load(job.key);
    if (history.some((item) => item.type === 'user' && item.ts === job.messageTs)) {
      log.info('turn already completed by an earlier attempt; nothing to do');
      return;
    }
    const earlier = await deps.turns.replies(job.id);
    log.info({ resumed: earlier.length > 0 }, 'turn started');
    const workspace = await deps.workspaces.forTeam(job.key.teamId);
    const settings = channelSettings(deps.file, deps.envModel, job.key.channel, job.isDm);
    const [profile, text, files] = await Promise.all([
      workspace.lookups.userProfile(job.userId),
      resolveSlackMarkup(job.text, workspace.lookups, { botUserId: workspace.botUserId }),
      job.files?.length ? workspace.readFiles(job.files, { messageTs: job.messageTs, detail: settings.imageDetail }) : undefined,
    ]);
    const user = { id: job.userId, name: profile?.name ?? job.userId };
    // Identity for tools comes from Slack (the event and users.info), never from what the model sends.
    const ctx: ToolContext = { ...job.key, isDm: job.isDm, user: { ...user, ...(profile?.email ? { email: profile.email } : {}) } };
    const tools = deps.tools?.definitions.length
      ? deps.tools.session(ctx, { timeoutMs: deps.file.tools.timeout_ms, maxOutputChars: deps.file.tools.max_output_chars }, log.child({ component: 'tools' }))
      : undefined;
    const { sink, writer } = replySink(deps, workspace, job, log);
    if (earlier.length) {
      log.warn({ messages: earlier.length }, 'an earlier attempt of this turn was interrupted; taking over its reply');
      await writer.takeOver(earlier, RESTART_NOTE);
    }
    const result = await runTurn(
      { turnId: job.id, key: job.key, settings, user, text, messageTs: job.messageTs, history, ...files, sink, tools },
      { ...deps.turn, log, usageLog: deps.log.child({ turn: job.id }) },
    );
    metrics.turns.inc({ outcome: result.outcome });
    metrics.turnSeconds.observe({ outcome: result.outcome }, seconds(Date.now() - job.receivedAt));
    log.info(
      {
        outcome: result.outcome,
        messages: result.messageTs.length,
        reply_ts: result.messageTs,
        tool_rounds: result.toolRounds,
        resumed: earlier.length > 0,
        request_id: result.call?.requestId ?? result.error?.details.requestId,
        response_id: result.call?.responseId,
        queue_wait_ms: startedAt - job.receivedAt,
        duration_ms: Date.now() - job.receivedAt,
      },
      'turn finished',
    );
  };
}

/** The answer streams through the writer; progress (waiting in line, tools running) shows as the thread status. */
function replySink(deps: ProcessTurnDeps, workspace: Workspace, job: TurnJob, log: Logger): { sink: ReplySink; writer: SlackReplyWriter } {
  const writer = new SlackReplyWriter(
    workspace.client,
    workspace.gate,
    { teamId: job.key.teamId, channel: job.key.channel, threadTs: job.key.threadTs, recipientUserId: job.userId },
    {
      firstFlushMs: deps.file.slack.first_flush_ms,
      flushIntervalMs: deps.file.slack.flush_interval_ms,
      nativeStreaming: deps.file.slack.native_streaming,
      onFirstVisible: () => deps.metrics.firstVisibleSeconds.observe(seconds(Date.now() - job.receivedAt)),
      onMessage: (ts) => deps.turns.recordReply(job.id, ts),
    },
    log,
  );
  const status = new ThreadStatus(workspace.client, { channel: job.key.channel, threadTs: job.key.threadTs }, log);
  const sink: ReplySink = {
    append: (delta) => writer.append(delta),
    status: (line) => status.show(line),
    restart: (note) => writer.restart(note),
    finish: async (end) => {
      const done = await writer.finish(end);
      await status.clear();
      return done;
    },
  };
  return { sink, writer };
}
