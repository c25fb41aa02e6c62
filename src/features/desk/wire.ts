import type { App } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Env } from '../../config/env.js';
import type { FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import { redisTarget } from '../../config/redis-env.js';
import type { OpenAIRateLimiter } from '../../platform/openai/rate-limiter.js';
import { createDelayedJobs, type DelayedJobs } from '../../platform/queue/delayed-jobs.js';
import type { JobRouter } from '../../platform/queue/job-router.js';
import type { TurnQueue } from '../../platform/queue/types.js';
import type { CommandRouter } from '../../platform/slack/command-router.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { StoreKeys } from '../../platform/store/keys.js';
import type { RedisClient } from '../../platform/store/redis-client.js';
import type { Stores } from '../../platform/store/types.js';
import type { QuotaPort } from '../../turn/ports.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { Admins } from '../access/admins.js';
import type { AnswerRunner } from '../answering/process-turn.js';
import { createOpenAIClient } from '../answering/turn-setup.js';
import { redactOptionsFrom } from '../privacy/pii/redacting-model.js';
import type { ConversationTools } from '../tools/sessions.js';
import { handoffSubcommand, registerDeskActions, statsSubcommand } from './desk-actions.js';
import { type DeskEventDeps, registerDeskEvents } from './desk-events.js';
import { Desk, type DeskDeps, deskOf, type SlaJob, slaJobSchema } from './desk-flow.js';
import { deskMetrics } from './desk-metrics.js';
import { type DeskStatsStore, MemoryDeskStats, RedisDeskStats } from './desk-stats.js';
import { type DeskStore, MemoryDeskStore, RedisDeskStore } from './desk-store.js';
import { type DeskGate, openAIGate } from './gate.js';
import { lastDays, statsSection } from './stats.js';

export interface DeskStores {
  store: DeskStore;
  stats: DeskStatsStore;
}

/** The desk's state lives with the rest: in Redis when there is one, else in this process. */
export function createDeskStores(p: { redis?: RedisClient; keys: StoreKeys }): DeskStores {
  return p.redis
    ? { store: new RedisDeskStore(p.redis, p.keys), stats: new RedisDeskStats(p.redis, p.keys) }
    : { store: new MemoryDeskStore(p.keys), stats: new MemoryDeskStats(p.keys) };
}

/**
 * Whether the bot stays out of a thread unless mentioned; read by answering for follow-ups, before their ack. Only a
 * desk channel can have such threads, so elsewhere this costs no Redis round trip.
 */
export async function quietThread(
  stores: DeskStores,
  settings: SettingsSource,
  key: ThreadKey,
  userId: string,
): Promise<boolean> {
  if (!deskOf(settings.current(), key.channel)) return false;
  const thread = await stores.store.get(key);
  if (!thread) return false;
  return userId !== thread.asker || ['open', 'waiting_for_human', 'with_human'].includes(thread.state);
}

export interface DeskFeatureDeps {
  env: Env;
  /** The start-up settings: the gate's model client is built from them once. */
  file: FileConfig;
  settings: SettingsSource;
  people: PeopleDirectory;
  audit: DeskDeps['audit'];
  workspaces: SlackWorkspaces;
  languages: UserLanguages;
  stores: Stores;
  desk: DeskStores;
  keys: StoreKeys;
  queue: TurnQueue;
  jobs: JobRouter;
  commands: CommandRouter;
  limiter: OpenAIRateLimiter;
  budget: { quota: QuotaPort };
  answer: AnswerRunner;
  tools?: ConversationTools;
  metrics: { registry: Registry };
  bot?: { userId: string; botId: string };
  admins: Admins;
  gate: { admit: DeskEventDeps['admit'] };
  /** Where hand-offs are recorded for the weekly gaps digest. */
  gaps?: DeskDeps['gaps'];
  log: Logger;
}

/** Gate calls wait in the app-level line like every model call: the prompt (~4 characters a token) and the cap. */
function limitedGate(inner: DeskGate, limiter: OpenAIRateLimiter): DeskGate {
  return (input, signal) => {
    const chars = input.question.length + input.candidates.reduce((n, c) => n + c.text.length + c.title.length, 0);
    return limiter.inLine(Math.ceil(chars / 4) + 64, () => inner(input, signal), signal);
  };
}

/**
 * The help-channel desk (channels.<id>.desk): questions answered when the gate is sure and a source backs the
 * answer, hand-offs to on-call, durable SLA escalations, resolution, and the lead's counts.
 */
export function wire(
  app: App,
  deps: DeskFeatureDeps,
): { start(): void; close(): Promise<void>; homeSection: (teamId: string, userId: string) => Promise<KnownBlock[]> } {
  const { file, env, log } = deps;
  const deskLog = log.child({ component: 'desk' });
  const gate = limitedGate(
    openAIGate(
      createOpenAIClient(env, file),
      {
        timeoutMs: file.openai.request_timeout_ms,
        maxRetries: file.openai.max_retries,
        redact: redactOptionsFrom(file.privacy),
      },
      deskLog,
    ),
    deps.limiter,
  );
  let timers: DelayedJobs<SlaJob> | undefined;
  const desk = new Desk({
    settings: deps.settings,
    oncall: (teamId, refs) => deps.people.mentionable(teamId, refs),
    audit: deps.audit,
    envModel: env.OPENAI_MODEL,
    workspaces: deps.workspaces,
    languages: deps.languages,
    store: deps.desk.store,
    stats: deps.desk.stats,
    userState: deps.stores.userState,
    metrics: deskMetrics(deps.metrics.registry),
    timers: () => timers!,
    gate,
    quota: deps.budget.quota,
    answer: deps.answer,
    tools: deps.tools,
    threadTtlSeconds: file.state.ttl_days * 86_400,
    ...(deps.gaps ? { gaps: deps.gaps } : {}),
    log: deskLog,
  });
  timers = createDelayedJobs((job: SlaJob) => desk.escalate(job), {
    redis: redisTarget(env),
    prefix: deps.keys.bull,
    queueName: deps.keys.deskSlaQueue,
    schema: slaJobSchema,
    log: deskLog,
  });
  deps.jobs.handle('desk', (job) => desk.decide(job));
  registerDeskEvents(app, {
    settings: deps.settings,
    desk,
    queue: deps.queue,
    dedupe: deps.stores.dedupe,
    dedupeTtlSeconds: file.state.dedupe_ttl_hours * 3600,
    workspaces: deps.workspaces,
    ...(deps.bot ? { bot: deps.bot } : {}),
    admit: (a) => deps.gate.admit(a),
    log: deskLog,
  });
  const actionDeps = {
    settings: deps.settings,
    desk,
    store: deps.desk.store,
    stats: deps.desk.stats,
    workspaces: deps.workspaces,
    languages: deps.languages,
    admins: deps.admins,
    log: deskLog,
  };
  registerDeskActions(app, actionDeps);
  deps.commands.add(handoffSubcommand(actionDeps), statsSubcommand(actionDeps));
  return {
    start: () => timers!.start(),
    close: () => timers!.close(),
    // The admins see the last week of every desk channel on App Home.
    homeSection: async (teamId, userId) => {
      const now = deps.settings.current();
      const channels = Object.keys(now.channels).filter((c) => deskOf(now, c));
      if (!channels.length || !(await deps.admins.includes(teamId, userId))) return [];
      const [t, period] = await Promise.all([
        deps.languages.of(teamId, userId),
        deps.desk.stats.read(teamId, channels, lastDays(Date.now(), 7)),
      ]);
      return statsSection(t, period, 7);
    },
  };
}
