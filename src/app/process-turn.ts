import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { FileConfig } from '../config/file-schema.js';
import { channelSettings } from '../config/settings.js';
import type { TurnJob, TurnProcessor } from '../queue/types.js';
import { resolveSlackMarkup } from '../slack/markup.js';
import type { SlackLookups } from '../slack/lookups.js';
import type { SlackRateGates } from '../slack/rate-gate.js';
import { SlackReplyWriter } from '../slack/reply-writer.js';
import { withPrivacy } from '../pii/redacting-model.js';
import { runTurn, type TurnDeps } from '../turn/run-turn.js';

export interface ProcessTurnDeps {
  file: FileConfig;
  envModel: string;
  botUserId: string;
  writerClient: WebClient;
  gates: SlackRateGates;
  lookups: SlackLookups;
  turn: TurnDeps;
  log: Logger;
}

/** Glue between a queued Slack message and the pure turn: resolve names and markup, open the reply, run. */
export function createTurnProcessor(deps: ProcessTurnDeps): TurnProcessor {
  const model = withPrivacy(deps.turn.model, deps.file.privacy);
  return async (job: TurnJob) => {
    const log = deps.log.child({ turn: job.id });
    const settings = channelSettings(deps.file, deps.envModel, job.key.channel, job.isDm);
    const [userName, text] = await Promise.all([
      deps.lookups.userName(job.userId),
      resolveSlackMarkup(job.text, deps.lookups, { botUserId: deps.botUserId }),
    ]);
    const sink = new SlackReplyWriter(
      deps.writerClient,
      deps.gates.for(job.key.teamId),
      { teamId: job.key.teamId, channel: job.key.channel, threadTs: job.key.threadTs, recipientUserId: job.userId },
      {
        firstFlushMs: deps.file.slack.first_flush_ms,
        flushIntervalMs: deps.file.slack.flush_interval_ms,
        nativeStreaming: deps.file.slack.native_streaming,
      },
      log,
    );
    const result = await runTurn(
      { turnId: job.id, key: job.key, settings, user: { id: job.userId, name: userName ?? job.userId }, text, messageTs: job.messageTs, sink },
      { ...deps.turn, model, log },
    );
    log.info({ outcome: result.outcome, messages: result.messageTs.length, queue_wait_ms: Date.now() - job.receivedAt }, 'turn finished');
  };
}
