import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FileConfig } from '../config/file-schema.js';
import { channelSettings } from '../config/settings.js';
import { seconds, type Metrics } from '../observability/metrics.js';
import type { TurnJob, TurnProcessor } from '../queue/types.js';
import type { FileReader } from '../slack/files/reader.js';
import { resolveSlackMarkup } from '../slack/markup.js';
import type { SlackLookups } from '../slack/lookups.js';
import type { SlackRateGates } from '../slack/rate-gate.js';
import { SlackReplyWriter } from '../slack/reply-writer.js';
import type { ToolRegistry } from '../tools/runner.js';
import type { ToolContext } from '../tools/types.js';
import type { ReplySink } from '../turn/ports.js';
import { runTurn, type TurnDeps } from '../turn/run-turn.js';
import { ThreadStatus } from '../slack/thread-status.js';

export interface ProcessTurnDeps {
  file: FileConfig;
  envModel: string;
  botUserId: string;
  writerClient: WebClient;
  gates: SlackRateGates;
  lookups: SlackLookups;
  turn: TurnDeps;
  readFiles: FileReader;
  /** Tools offered to the model; none when nothing is configured. */
  tools?: ToolRegistry;
  log: Logger;
  metrics: Metrics;
}

/** Glue between a queued Slack message and the pure turn: resolve names, markup and files, open the reply, run. */
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
    const settings = channelSettings(deps.file, deps.envModel, job.key.channel, job.isDm);
    const [profile, text, files] = await Promise.all([
      deps.lookups.userProfile(job.userId),
      resolveSlackMarkup(job.text, deps.lookups, { botUserId: deps.botUserId }),
      job.files?.length ? deps.readFiles(job.files, { messageTs: job.messageTs, detail: settings.imageDetail }) : undefined,
    ]);
    const user = { id: job.userId, name: profile?.name ?? job.userId };
    // Identity for tools comes from Slack (the event and users.info), never from what the model sends.
    const ctx: ToolContext = { ...job.key, isDm: job.isDm, user: { ...user, ...(profile?.email ? { email: profile.email } : {}) } };
    const tools = deps.tools?.definitions.length
      ? deps.tools.session(ctx, { timeoutMs: deps.file.tools.timeout_ms, maxOutputChars: deps.file.tools.max_output_chars }, log.child({ component: 'tools' }))
      : undefined;
    const sink = replySink(deps, job, log);
    const result = await runTurn(
      { turnId: job.id, key: job.key, settings, user, text, messageTs: job.messageTs, ...files, sink, tools },
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
function replySink(deps: ProcessTurnDeps, job: TurnJob, log: Logger): ReplySink {
  const writer = new SlackReplyWriter(
    deps.writerClient,
    deps.gates.for(job.key.teamId),
    { teamId: job.key.teamId, channel: job.key.channel, threadTs: job.key.threadTs, recipientUserId: job.userId },
    {
      firstFlushMs: deps.file.slack.first_flush_ms,
      flushIntervalMs: deps.file.slack.flush_interval_ms,
      nativeStreaming: deps.file.slack.native_streaming,
      onFirstVisible: () => deps.metrics.firstVisibleSeconds.observe(seconds(Date.now() - job.receivedAt)),
    },
    log,
  );
  const status = new ThreadStatus(deps.writerClient, { channel: job.key.channel, threadTs: job.key.threadTs }, log);
  return {
    append: (delta) => writer.append(delta),
    status: (line) => status.show(line),
    finish: async (end) => {
      const done = await writer.finish(end);
      await status.clear();
      return done;
    },
  };
}
