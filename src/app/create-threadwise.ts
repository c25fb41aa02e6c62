import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { WebClientOptions } from '@slack/web-api';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { oauthEnabled, secretEnvKeys } from '../config/env.js';
import type { Config } from '../config/load.js';
import { channelSettings } from '../config/settings.js';
import { registerApprovalHandlers } from '../features/tickets/approval-actions.js';
import { askSubcommand } from '../features/answering/ask-command.js';
import { registerAssistantHandlers } from '../features/answering/agent-events.js';
import { registerCommands } from '../platform/slack/command-router.js';
import { registerFeedbackHandlers } from '../features/answering/feedback-actions.js';
import { forgetMeSubcommand, resetSubcommand } from '../features/privacy/privacy-commands.js';
import { registerShortcutHandlers } from '../features/answering/shortcuts.js';
import { turnStarter } from '../features/answering/start-turn.js';
import { registerTriageHandlers } from '../features/triage/triage-actions.js';
import { limitedTriage } from '../features/triage/limited-triage.js';
import { openAITriage } from '../features/triage/openai-triage.js';
import { redactOptionsFrom } from '../features/privacy/pii/redacting-model.js';
import { registerInstallationHandlers } from '../platform/slack/installations.js';
import { registerMessageHandlers } from '../features/answering/message-handlers.js';
import { usageSubcommand } from '../features/usage/usage-command.js';
import { boltLogger } from '../platform/observability/bolt-logger.js';
import { createLogger, prettyLogsFor, type Logger } from '../platform/observability/logger.js';
import { createMetrics, type Metrics } from '../platform/observability/metrics.js';
import { BullTurnQueue } from '../platform/queue/bullmq-queue.js';
import { InProcessTurnQueue } from '../platform/queue/in-process-queue.js';
import { ThreadSequencer } from '../platform/queue/thread-sequencer.js';
import type { TurnProcessor, TurnQueue } from '../platform/queue/types.js';
import { SlackApprovalCards } from '../features/tickets/approval-card.js';
import { fileLimits } from '../platform/slack/files/prepare.js';
import { createFileReader } from '../platform/slack/files/reader.js';
import { MeteredWebClient } from '../platform/slack/metered-client.js';
import { SlackRateGates } from '../platform/slack/rate-gate.js';
import { InstalledWorkspaces, SingleWorkspace, writerClientOptions, type ConnectBot, type SlackWorkspaces } from '../platform/slack/workspaces.js';
import { createRedis, createStores, redisReady } from '../platform/store/index.js';
import { storeKeys } from '../platform/store/keys.js';
import { RedisInstallationStore } from '../platform/store/redis/installation-store.js';
import { RedisRateShare } from '../platform/slack/redis-rate-share.js';
import { setupTools } from '../features/tools/setup.js';
import { costOf } from '../features/usage/prices.js';
import { createBudget, createLimiter, priceTable } from '../features/usage/budget-wiring.js';
import { createTurnProcessor } from '../features/answering/process-turn.js';
import { checkAll, opsRoutes } from '../platform/observability/ops-routes.js';
import { buildSlackApp } from '../platform/slack/bolt-app.js';
import { homePublisher } from '../features/home/home-tab.js';
import { TRIAGE_OUTPUT_TOKENS, triageJob, triageMessage } from '../features/triage/triage-flow.js';
import { createModel, createOpenAIClient, createTurnDeps } from '../features/answering/turn-setup.js';

export interface ThreadwiseOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /** Milliseconds running turns get to finish on shutdown (default: queue.shutdown_grace_ms). */
  shutdownGraceMs?: number;
}

export interface Threadwise {
  log: Logger;
  metrics: Metrics;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/** The composition root: the only place that knows every adapter. */
export async function createThreadwise(config: Config, options: ThreadwiseOptions = {}): Promise<Threadwise> {
  const { env, file } = config;
  const secrets = secretEnvKeys.map((k) => env[k]).filter((v): v is string => typeof v === 'string');
  const log = createLogger({ level: env.LOG_LEVEL, secrets, destination: options.logDestination, pretty: prettyLogsFor(env.NODE_ENV) });
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const oauth = oauthEnabled(env);

  if (!env.REDIS_URL) {
    log.warn('REDIS_URL is not set: using an in-memory store and queue. Conversations, dedupe state and queued turns are lost on restart and not shared between replicas. Set REDIS_URL for production.');
  }
  const redis = env.REDIS_URL ? createRedis(env.REDIS_URL) : undefined;
  redis?.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection problem'));
  if (redis && !(await redisReady(redis, 5_000))) {
    log.error('Redis is not reachable yet: events are refused with 5xx (Slack retries them) until it is; /readyz reports it');
  }
  const keys = storeKeys(file.state.key_prefix);
  const stores = createStores(
    { keyPrefix: file.state.key_prefix, threadTtlSeconds: file.state.ttl_days * 86_400, maxFilesPerThread: file.files.max_kept_per_thread },
    redis,
  );

  // One registry per app instance, created here and passed in: no module registers metrics on a global.
  let queue: TurnQueue | undefined;
  const metrics = createMetrics(new Registry(), { queueDepth: () => queue?.depth() ?? 0 });

  const slackLogger = boltLogger(log);
  const clientOptions: WebClientOptions = { slackApiUrl: env.SLACK_API_URL, logger: slackLogger, retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2_000 } };
  // Per bot token: a writer client that surfaces rate limits (the reply writer coalesces and falls back), and a
  // file reader whose downloads carry that token to Slack's hosts only.
  const connect: ConnectBot = (token) => ({
    client: new MeteredWebClient(token, writerClientOptions(clientOptions), metrics),
    readFiles: createFileReader(
      new MeteredWebClient(token, clientOptions, metrics),
      { token, slackApiUrl: env.SLACK_API_URL, timeoutMs: file.files.download_timeout_ms, limits: fileLimits(file.files) },
      log.child({ component: 'files' }),
    ),
  });
  const gates = new SlackRateGates(
    redis && { store: new RedisRateShare(redis, keys), onError: (err) => log.debug({ err: { message: err.message } }, 'shared rate limit state unavailable') },
  );
  let workspaces: SlackWorkspaces;
  let installed: InstalledWorkspaces | undefined;
  let bot: { token: string; userId: string; botId: string } | undefined;
  const installationStore = oauth && redis ? new RedisInstallationStore(redis, keys) : undefined;
  if (oauth) {
    if (!installationStore) throw new Error('OAuth (SLACK_CLIENT_ID…) needs REDIS_URL: installations must survive restarts and be shared by replicas');
    workspaces = installed = new InstalledWorkspaces(installationStore, connect, gates, log);
    log.info('OAuth mode: serving every workspace that installs the app (/slack/install)');
  } else {
    const token = env.SLACK_BOT_TOKEN!;
    const auth = await new MeteredWebClient(token, clientOptions, metrics).auth.test().catch((err: Error) => {
      throw new Error(`Slack rejected SLACK_BOT_TOKEN or could not be reached (${(err as { data?: { error?: string } }).data?.error ?? err.message})`);
    });
    bot = { token, userId: String(auth.user_id), botId: String(auth.bot_id ?? '') };
    workspaces = new SingleWorkspace(token, bot.userId, connect, gates, log);
    log.info({ team: auth.team_id, bot_user: bot.userId, mode: socketMode ? 'socket' : 'http' }, 'authenticated with Slack');
  }

  const { limiter, onHeaders } = createLimiter(file);
  const prices = priceTable(file.pricing);
  const model = createModel(env, file, log, { metrics, costOf: (m, usage) => costOf(prices, m, usage).usd, onHeaders });
  const budget = createBudget(file, model, limiter, prices, log, redis);

  const tools = await setupTools({
    file,
    env,
    baseDir: env.THREADWISE_CONFIG ? dirname(resolve(env.THREADWISE_CONFIG)) : process.cwd(),
    approvalStore: stores.approvals,
    cards: new SlackApprovalCards(async (teamId) => (await workspaces.forTeam(teamId)).client),
    log: log.child({ component: 'tools' }),
  });
  log.info({ tools: tools.registry.definitions.map((t) => (t.type === 'function' ? t.name : t.type)) }, 'tools ready');

  const triage = limitedTriage(
    openAITriage(
      createOpenAIClient(env, file),
      { maxOutputTokens: TRIAGE_OUTPUT_TOKENS, timeoutMs: file.openai.request_timeout_ms, maxRetries: file.openai.max_retries, redact: redactOptionsFrom(file.privacy) },
      log.child({ component: 'triage' }),
    ),
    limiter,
    TRIAGE_OUTPUT_TOKENS,
  );
  const createTicket = tools.registry.get('create_ticket');
  const triageDeps = {
    file, envModel: env.OPENAI_MODEL, workspaces, triage, kept: stores.approvals, threads: stores.threads,
    ticketsEnabled: Boolean(createTicket), quota: budget.quota, priceOf: budget.priceOf, log,
  };
  const answer = createTurnProcessor({
    file,
    envModel: env.OPENAI_MODEL,
    workspaces,
    turns: stores.turns,
    userState: stores.userState,
    threadTtlSeconds: file.state.ttl_days * 86_400,
    turn: { ...createTurnDeps(file, budget.model, stores.threads, log), context: budget.context, quota: budget.quota, priceOf: budget.priceOf },
    tools: tools.registry,
    log,
    metrics,
  });
  // Triage requests travel the same durable queue as questions (and wait their thread's turn).
  const processor: TurnProcessor = (job) => (job.triage ? triageMessage(job.triage, triageDeps) : answer(job));
  const turnQueue: TurnQueue = redis && env.REDIS_URL
    ? new BullTurnQueue(processor, {
        redisUrl: env.REDIS_URL,
        keys,
        sequencer: new ThreadSequencer(redis, keys),
        concurrency: file.queue.concurrency,
        lockMs: file.queue.lock_ms,
        stalledCheckMs: file.queue.stalled_check_ms,
        log: log.child({ component: 'queue' }),
      })
    : new InProcessTurnQueue(processor, file.queue.concurrency, log);
  queue = turnQueue;

  let draining = false;
  const routes = opsRoutes({
    registry: metrics.registry,
    ready: () => checkAll({ store: () => stores.ping(), queue: () => turnQueue.ready(), accepting: async () => !draining }),
  });
  const { app, receiver } = buildSlackApp({ env, log, slackLogger, routes, clientOptions, bot, installationStore });

  registerMessageHandlers(app, {
    trigger: (ctx) => ({ botUserId: ctx.botUserId ?? bot?.userId ?? '', botId: ctx.botId ?? bot?.botId ?? '', allowBots: file.slack.allow_bots }),
    requireMention: (channel, isDm) => channelSettings(file, env.OPENAI_MODEL, channel, isDm).requireMention,
    threads: stores.threads,
    dedupe: stores.dedupe,
    dedupeTtlSeconds: file.state.dedupe_ttl_hours * 3600,
    queue: turnQueue,
    log,
    metrics,
  });
  const start = turnStarter(turnQueue);
  const privacy = { threads: stores.threads, userState: stores.userState, feedback: stores.feedback, usage: budget.usage, pending: stores.approvals, workspaces, log };
  const subcommands = [
    askSubcommand({ workspaces, start, log }),
    usageSubcommand({ usage: budget.usage, limits: file.limits }),
    resetSubcommand(privacy),
    forgetMeSubcommand(privacy),
  ];
  registerCommands(app, { command: '/threadwise', subcommands, log });
  registerAssistantHandlers(app, {
    assistant: file.assistant,
    userState: stores.userState,
    publishHome: homePublisher({ command: '/threadwise', subcommands, file, tools: tools.registry, usage: budget.usage, log }),
    log,
  });
  registerFeedbackHandlers(app, { feedback: stores.feedback, log });
  registerShortcutHandlers(app, { start, botUserId: async (teamId) => (await workspaces.forTeam(teamId)).botUserId, log });
  registerTriageHandlers(app, {
    enqueue: (request) => turnQueue.enqueue(triageJob(request)),
    kept: stores.approvals,
    ...(createTicket ? { createTicket } : {}),
    lookups: async (teamId) => (await workspaces.forTeam(teamId)).lookups,
    log,
  });
  if (tools.approvals) registerApprovalHandlers(app, { approvals: tools.approvals, threads: stores.threads, log });
  if (installationStore && installed) {
    const cache = installed;
    registerInstallationHandlers(app, { store: installationStore, forget: (teamId) => cache.forget(teamId), log });
  }

  let httpServer: Server | undefined;
  return {
    log,
    metrics,
    async start() {
      const started = await app.start(env.PORT);
      httpServer = socketMode ? (receiver as unknown as { httpServer?: Server }).httpServer : (started as Server);
      const port = (httpServer?.address() as AddressInfo | null)?.port ?? env.PORT;
      turnQueue.start();
      log.info({ port, mode: socketMode ? 'socket' : 'http', oauth, durable_queue: Boolean(redis) }, 'threadwise is listening');
      return { port };
    },
    /**
     * Graceful stop: new events are refused with 503 (Slack retries them, on another replica if there is one)
     * and /readyz fails, while running turns get the grace period to finish; then server and Redis close.
     */
    async stop() {
      draining = true;
      const grace = options.shutdownGraceMs ?? file.queue.shutdown_grace_ms;
      log.info({ grace_ms: grace, running: turnQueue.depth() }, 'draining: refusing new events, letting running turns finish');
      await turnQueue.close(grace);
      await app.stop().catch((err) => log.warn({ err }, 'stopping the receiver failed'));
      await stores.close();
      log.info('threadwise stopped');
    },
  };
}
