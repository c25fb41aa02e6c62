import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { secretEnvKeys } from '../config/env.js';
import type { Config } from '../config/load.js';
import { channelSettings } from '../config/settings.js';
import { registerApprovalHandlers } from '../handlers/approvals.js';
import { registerCommands } from '../handlers/commands.js';
import { registerMessageHandlers } from '../handlers/messages.js';
import { usageSubcommand } from '../handlers/usage-command.js';
import { boltLogger } from '../observability/bolt-logger.js';
import { createLogger, prettyLogsFor, type Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { InProcessTurnQueue } from '../queue/in-process-queue.js';
import { SlackApprovalCards } from '../slack/approval-card.js';
import { createFileReader, type FileReaderOptions } from '../slack/files/reader.js';
import { fileLimits } from '../slack/files/prepare.js';
import { SlackLookups } from '../slack/lookups.js';
import { MeteredWebClient } from '../slack/metered-client.js';
import { SlackRateGates } from '../slack/rate-gate.js';
import { createRedis, createStores, redisReady } from '../store/index.js';
import { setupTools } from '../tools/registry.js';
import { costOf } from '../turn/cost.js';
import { createBudget, createLimiter, priceTable } from './budget-wiring.js';
import { createTurnProcessor } from './process-turn.js';
import { checkAll, opsRoutes } from './routes.js';
import { createModel, createTurnDeps } from './turn-setup.js';

export interface ThreadwiseOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /** Milliseconds running turns get to finish on shutdown. */
  shutdownGraceMs?: number;
}

export interface Threadwise {
  log: Logger;
  metrics: Metrics;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

const TURN_CONCURRENCY = 64;

/** The composition root: the only place that knows every adapter. */
export async function createThreadwise(config: Config, options: ThreadwiseOptions = {}): Promise<Threadwise> {
  const { env, file } = config;
  const secrets = secretEnvKeys.map((k) => env[k]).filter((v): v is string => typeof v === 'string');
  const log = createLogger({ level: env.LOG_LEVEL, secrets, destination: options.logDestination, pretty: prettyLogsFor(env.NODE_ENV) });
  const socketMode = Boolean(env.SLACK_APP_TOKEN);

  if (!env.REDIS_URL) {
    log.warn('REDIS_URL is not set: using an in-memory store. Conversations and dedupe state are lost on restart and not shared between replicas. Set REDIS_URL for production.');
  }
  const redis = env.REDIS_URL ? createRedis(env.REDIS_URL) : undefined;
  redis?.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection problem'));
  if (redis && !(await redisReady(redis, 5_000))) {
    log.error('Redis is not reachable yet: events are refused with 5xx (Slack retries them) until it is; /readyz reports it');
  }
  const stores = createStores(
    { keyPrefix: file.state.key_prefix, threadTtlSeconds: file.state.ttl_days * 86_400, maxFilesPerThread: file.files.max_kept_per_thread },
    redis,
  );

  // One registry per app instance, created here and passed in: no module registers metrics on a global.
  let queue: InProcessTurnQueue | undefined;
  const metrics = createMetrics(new Registry(), { queueDepth: () => queue?.depth() ?? 0 });

  const slackLogger = boltLogger(log);
  const clientOptions: WebClientOptions = { slackApiUrl: env.SLACK_API_URL, logger: slackLogger, retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2_000 } };
  // Waits out rate limits itself: for one-off calls (files.info, approval cards and outcomes) rather than streamed replies.
  const apiClient = new MeteredWebClient(env.SLACK_BOT_TOKEN, clientOptions, metrics);
  const auth = await apiClient.auth.test().catch((err: Error) => {
    throw new Error(`Slack rejected SLACK_BOT_TOKEN or could not be reached (${(err as { data?: { error?: string } }).data?.error ?? err.message})`);
  });
  const bot = { userId: String(auth.user_id), botId: String(auth.bot_id ?? '') };
  log.info({ team: auth.team_id, bot_user: bot.userId, mode: socketMode ? 'socket' : 'http' }, 'authenticated with Slack');

  // Rate limits are surfaced to the writer (not retried inside the client) so it can coalesce and fall back.
  const writerClient = new MeteredWebClient(
    env.SLACK_BOT_TOKEN,
    { ...clientOptions, rejectRateLimitedCalls: true, retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1_000 } },
    metrics,
  );
  const { limiter, onHeaders } = createLimiter(file);
  const prices = priceTable(file.pricing);
  const model = createModel(env, file, log, { metrics, costOf: (m, usage) => costOf(prices, m, usage).usd, onHeaders });
  const budget = createBudget(file, model, limiter, prices, log, redis);

  const tools = await setupTools({
    file,
    env,
    baseDir: env.THREADWISE_CONFIG ? dirname(resolve(env.THREADWISE_CONFIG)) : process.cwd(),
    approvalStore: stores.approvals,
    cards: new SlackApprovalCards(apiClient),
    log: log.child({ component: 'tools' }),
  });
  log.info({ tools: tools.registry.definitions.map((t) => (t.type === 'function' ? t.name : t.type)) }, 'tools ready');

  const processor = createTurnProcessor({
    file,
    envModel: env.OPENAI_MODEL,
    botUserId: bot.userId,
    writerClient,
    gates: new SlackRateGates(),
    lookups: new SlackLookups(writerClient, log),
    turn: { ...createTurnDeps(file, budget.model, stores.threads, log), context: budget.context, quota: budget.quota, prices: budget.prices },
    readFiles: createFileReader(apiClient, fileReaderOptions(env, file), log.child({ component: 'files' })),
    tools: tools.registry,
    log,
    metrics,
  });
  queue = new InProcessTurnQueue(processor, TURN_CONCURRENCY, log);
  const turnQueue = queue;

  const routes = opsRoutes({
    registry: metrics.registry,
    ready: () => checkAll({ store: () => stores.ping(), queue: () => turnQueue.ready() }),
  });
  const receiver: Receiver = socketMode
    ? new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN!, logger: slackLogger, customRoutes: routes, installerOptions: { port: env.PORT, clientOptions } })
    : new HTTPReceiver({
        signingSecret: env.SLACK_SIGNING_SECRET!,
        endpoints: '/slack/events',
        customRoutes: routes,
        logger: slackLogger,
        // Listeners only filter, dedupe and enqueue (milliseconds); answering after them lets a failed enqueue
        // become a 5xx that Slack retries, instead of an acknowledged and lost question.
        processBeforeResponse: true,
      });
  const app = new App({ token: env.SLACK_BOT_TOKEN, receiver, logger: slackLogger, botId: bot.botId, botUserId: bot.userId, clientOptions });
  app.error(async (err) => {
    log.error({ err }, 'event handling failed');
    throw err;
  });

  registerMessageHandlers(app, {
    trigger: () => ({ botUserId: bot.userId, botId: bot.botId, allowBots: file.slack.allow_bots }),
    requireMention: (channel, isDm) => channelSettings(file, env.OPENAI_MODEL, channel, isDm).requireMention,
    threads: stores.threads,
    dedupe: stores.dedupe,
    dedupeTtlSeconds: file.state.dedupe_ttl_hours * 3600,
    queue: turnQueue,
    log,
    metrics,
  });

  registerCommands(app, { command: '/threadwise', subcommands: [usageSubcommand({ usage: budget.usage, limits: file.limits })], log });
  if (tools.approvals) registerApprovalHandlers(app, { approvals: tools.approvals, client: apiClient, threads: stores.threads, log });

  let httpServer: Server | undefined;
  return {
    log,
    metrics,
    async start() {
      const started = await app.start(env.PORT);
      httpServer = socketMode ? (receiver as unknown as { httpServer?: Server }).httpServer : (started as Server);
      const port = (httpServer?.address() as AddressInfo | null)?.port ?? env.PORT;
      log.info({ port, mode: socketMode ? 'socket' : 'http' }, 'threadwise is listening');
      return { port };
    },
    async stop() {
      await app.stop().catch((err) => log.warn({ err }, 'stopping the receiver failed'));
      await turnQueue.close(options.shutdownGraceMs ?? 30_000);
      await stores.close();
      log.info('threadwise stopped');
    },
  };
}

function fileReaderOptions(env: Config['env'], file: Config['file']): FileReaderOptions {
  return {
    token: env.SLACK_BOT_TOKEN,
    slackApiUrl: env.SLACK_API_URL,
    timeoutMs: file.files.download_timeout_ms,
    limits: fileLimits(file.files),
  };
}
