import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import { channelSettings, threadTtlDays } from '../../config/settings.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { JobRouter } from '../../platform/queue/job-router.js';
import type { TurnQueue } from '../../platform/queue/types.js';
import type { CommandRouter } from '../../platform/slack/command-router.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import { ThreadStatus } from '../../platform/slack/thread-status.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { Stores } from '../../platform/store/types.js';
import { queuedStatus } from '../../turn/call-model.js';
import type { ContextFitter } from '../../turn/fit-request.js';
import type { AdminAlerts, ModelPort, PriceOf, QuotaPort } from '../../turn/ports.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { ChannelGate } from '../access/gate.js';
import type { KnowledgeGaps } from '../knowledge/contracts.js';
import type { FindEarlierAnswers } from '../knowledge/earlier-answers.js';
import { SourcesOnly } from '../knowledge/sources-only.js';
import type { ConversationTools } from '../tools/sessions.js';
import { registerAssistantHandlers } from './agent-events.js';
import { askSubcommand } from './ask-command.js';
import { registerFeedbackHandlers } from './feedback-actions.js';
import { registerMessageHandlers } from './message-handlers.js';
import { type AnswerRunner, createAnswerRunner } from './process-turn.js';
import { registerStopHandler } from './session-stop.js';
import { registerShortcutHandlers } from './shortcuts.js';
import { questionAcceptor, turnStarter } from './start-turn.js';
import { createTurnDeps } from './turn-setup.js';

export interface AnsweringDeps {
  /** The settings at start-up: what is built once (TTLs, the model's request options). */
  file: FileConfig;
  /** The settings now, read per event and per turn. */
  settings: SettingsSource;
  /** Where the bot may speak and who may ask (access.allowed_channels, access.dms, per-channel users). */
  gate: Pick<ChannelGate, 'admit' | 'admission' | 'refusal'>;
  env: { OPENAI_MODEL: string };
  workspaces: SlackWorkspaces;
  /** Single-token mode: the one bot; in OAuth mode the identity comes from each event's context. */
  bot?: { userId: string; botId: string };
  stores: Stores;
  queue: TurnQueue;
  jobs: JobRouter;
  /** `knowledge.slack_search`: earlier Slack threads for a typed question, for that answer only. */
  earlier?: FindEarlierAnswers;
  commands: CommandRouter;
  /** Each person's language for what the bot writes to them. */
  languages: UserLanguages;
  /** The model behind the context budget, quotas and prices (the usage feature builds it). */
  budget: { model: ModelPort; context: ContextFitter; quota: QuotaPort; priceOf: PriceOf; alerts: AdminAlerts };
  tools?: ConversationTools;
  /** Resolves @handles of desk.oncall, named when a sources-only channel finds nothing. */
  people?: Pick<PeopleDirectory, 'mentionable'>;
  /** Where "not in the sources" questions are kept for the gaps digest. */
  gaps?: Pick<KnowledgeGaps, 'record'>;
  /** Threads the bot stays out of unless mentioned (the help desk's). */
  quietThread?: (key: ThreadKey, userId: string) => Promise<boolean>;
  metrics: Metrics;
  log: Logger;
}

/**
 * Questions and their answers: mentions, DMs and thread follow-ups (filter, dedupe, enqueue), the queued turn
 * that answers them, `/threadwise ask`, the ask and summarize shortcuts, the Messages tab and feedback buttons.
 */
export function wire(app: App, deps: AnsweringDeps): { answer: AnswerRunner } {
  const { file, stores, log } = deps;
  const answer = createAnswerRunner({
    settings: deps.settings,
    envModel: deps.env.OPENAI_MODEL,
    workspaces: deps.workspaces,
    turns: stores.turns,
    languages: deps.languages,
    userState: stores.userState,
    threadTtlSeconds: file.state.ttl_days * 86_400,
    turn: {
      ...createTurnDeps(file, deps.budget.model, stores.threads, deps.languages.translators, log),
      context: deps.budget.context,
      quota: deps.budget.quota,
      priceOf: deps.budget.priceOf,
      alerts: deps.budget.alerts,
    },
    tools: deps.tools,
    log,
    metrics: deps.metrics,
    stops: stores.stops,
    sourcesOnly: new SourcesOnly({
      oncall: async (teamId, refs) => (deps.people ? deps.people.mentionable(teamId, refs) : [...refs]),
      ...(deps.gaps ? { gaps: deps.gaps } : {}),
      log: log.child({ component: 'knowledge' }),
    }),
    ...(deps.earlier ? { earlier: deps.earlier } : {}),
  });
  deps.jobs.handle('answer', async (job) => {
    await answer(job);
  });
  const accept = questionAcceptor({
    queue: deps.queue,
    participation: stores.participation,
    threadTtlSeconds: (channel) => threadTtlDays(deps.settings.current(), channel) * 86_400,
    tellWaiting: (job, position) => {
      Promise.all([deps.workspaces.forTeam(job.key.teamId), deps.languages.of(job.key.teamId, job.userId)]).then(
        ([workspace, t]) => {
          const line = queuedStatus(t, position);
          new ThreadStatus(workspace.client, { channel: job.key.channel, threadTs: job.key.threadTs }, log).show(
            line.text,
            [line.loading],
            true,
          );
        },
        (err: Error) => log.debug({ err: { message: err.message } }, 'could not tell the asker they wait in line'),
      );
    },
  });
  registerMessageHandlers(app, {
    trigger: (ctx) => ({
      botUserId: ctx.botUserId ?? deps.bot?.userId ?? '',
      botId: ctx.botId ?? deps.bot?.botId ?? '',
      allowBots: deps.settings.current().slack.allow_bots,
    }),
    requireMention: (channel, isDm) =>
      channelSettings(deps.settings.current(), deps.env.OPENAI_MODEL, channel, isDm).requireMention,
    admit: (a) => deps.gate.admit(a),
    ...(deps.quietThread ? { quietThread: deps.quietThread } : {}),
    threads: stores.threads,
    participation: stores.participation,
    dedupe: stores.dedupe,
    dedupeTtlSeconds: file.state.dedupe_ttl_hours * 3600,
    accept,
    log,
    metrics: deps.metrics,
  });
  const start = turnStarter(accept);
  deps.commands.add(askSubcommand({ workspaces: deps.workspaces, start, gate: deps.gate, log }));
  registerAssistantHandlers(app, {
    assistant: file.assistant,
    userState: stores.userState,
    languages: deps.languages,
    log,
  });
  registerFeedbackHandlers(app, { feedback: stores.feedback, languages: deps.languages, log });
  registerStopHandler(app, { stops: stores.stops, log });
  registerShortcutHandlers(app, {
    start,
    gate: deps.gate,
    languages: deps.languages,
    botUserId: async (teamId) => (await deps.workspaces.forTeam(teamId)).botUserId,
    log,
  });
  return { answer };
}
