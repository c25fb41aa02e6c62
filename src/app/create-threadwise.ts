import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, type Receiver } from '@slack/bolt';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import OpenAI from 'openai';
import type { DestinationStream } from 'pino';
import { secretEnvKeys } from '../config/env.js';
import type { Config } from '../config/load.js';
import { channelSettings } from '../config/settings.js';
import { registerApprovalHandlers } from '../handlers/approvals.js';
import { registerMessageHandlers } from '../handlers/messages.js';
import { OpenAIModel } from '../llm/openai-model.js';
import { boltLogger } from '../observability/bolt-logger.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { InProcessTurnQueue } from '../queue/in-process-queue.js';
import { SlackApprovalCards } from '../slack/approval-card.js';
import { SlackLookups } from '../slack/lookups.js';
import { SlackRateGates } from '../slack/rate-gate.js';
import { createRedis, createStores, redisReady } from '../store/index.js';
import { setupTools } from '../tools/registry.js';
import { createTurnProcessor } from './process-turn.js';
import { healthRoutes } from './routes.js';

export interface ThreadwiseOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /** Milliseconds running turns get to finish on shutdown. */
  shutdownGraceMs?: number;
}

export interface Threadwise {
  log: Logger;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

const TURN_CONCURRENCY = 64;

/** The composition root: the only place that knows every adapter. */
export async function createThreadwise(config: Config, options: ThreadwiseOptions = {}): Promise<Threadwise> {
  const { env, file } = config;
  const secrets = secretEnvKeys.map((k) => env[k]).filter((v): v is string => typeof v === 'string');
  const log = createLogger({ level: env.LOG_LEVEL, secrets, destination: options.logDestination });
  const socketMode = Boolean(env.SLACK_APP_TOKEN);

  if (!env.REDIS_URL) {
    log.warn('REDIS_URL is not set: using an in-memory store. Conversations and dedupe state are lost on restart and not shared between replicas. Set REDIS_URL for production.');
  }
  const redis = env.REDIS_URL ? createRedis(env.REDIS_URL) : undefined;
  redis?.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection problem'));
  if (redis && !(await redisReady(redis, 5_000))) {
    log.error('Redis is not reachable yet: events are refused with 5xx (Slack retries them) until it is; /readyz reports it');
  }
  const stores = createStores({ keyPrefix: file.state.key_prefix, threadTtlSeconds: file.state.ttl_days * 86_400 }, redis);

  const slackLogger = boltLogger(log);
  const clientOptions: WebClientOptions = { slackApiUrl: env.SLACK_API_URL, logger: slackLogger, retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2_000 } };
  // Waits out rate limits itself: for one-off posts (approval cards and outcomes) rather than streamed replies.
  const apiClient = new WebClient(env.SLACK_BOT_TOKEN, clientOptions);
  const auth = await apiClient.auth.test().catch((err: Error) => {
    throw new Error(`Slack rejected SLACK_BOT_TOKEN or could not be reached (${(err as { data?: { error?: string } }).data?.error ?? err.message})`);
  });
  const bot = { userId: String(auth.user_id), botId: String(auth.bot_id ?? '') };
  log.info({ team: auth.team_id, bot_user: bot.userId, mode: socketMode ? 'socket' : 'http' }, 'authenticated with Slack');

  // Rate limits are surfaced to the writer (not retried inside the client) so it can coalesce and fall back.
  const writerClient = new WebClient(env.SLACK_BOT_TOKEN, { ...clientOptions, rejectRateLimitedCalls: true, retryConfig: { retries: 2, factor: 2, minTimeout: 100, maxTimeout: 1_000 } });
  const openai = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0 });
  const model = new OpenAIModel(openai, {
    maxRetries: file.openai.max_retries,
    stallTimeoutMs: file.openai.stall_timeout_ms,
    requestTimeoutMs: file.openai.request_timeout_ms,
  }, log.child({ component: 'openai' }));

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
    turn: {
      model,
      threads: stores.threads,
      log,
      requestOptions: { store: file.openai.store, chainPreviousResponse: file.openai.chain_previous_response },
      stallSeconds: Math.round(file.openai.stall_timeout_ms / 1000),
      maxToolRounds: file.tools.max_rounds,
    },
    tools: tools.registry,
    log,
  });
  const queue = new InProcessTurnQueue(processor, TURN_CONCURRENCY, log);

  const routes = healthRoutes({
    ready: async () => {
      const redisOk = await stores.ping();
      return { ok: redisOk, checks: { store: redisOk } };
    },
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
    queue,
    log,
  });

  if (tools.approvals) registerApprovalHandlers(app, { approvals: tools.approvals, client: apiClient, threads: stores.threads, log });

  let httpServer: Server | undefined;
  return {
    log,
    async start() {
      const started = await app.start(env.PORT);
      httpServer = socketMode ? (receiver as unknown as { httpServer?: Server }).httpServer : (started as Server);
      const port = (httpServer?.address() as AddressInfo | null)?.port ?? env.PORT;
      log.info({ port, mode: socketMode ? 'socket' : 'http' }, 'threadwise is listening');
      return { port };
    },
    async stop() {
      await app.stop().catch((err) => log.warn({ err }, 'stopping the receiver failed'));
      await queue.close(options.shutdownGraceMs ?? 30_000);
      await stores.close();
      log.info('threadwise stopped');
    },
  };
}
