import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { WebClient, type WebClientOptions } from '@slack/web-api';
import OpenAI from 'openai';
import type { DestinationStream } from 'pino';
import { oauthEnabled, secretEnvKeys } from '../config/env.js';
import type { Config } from '../config/load.js';
import { channelSettings } from '../config/settings.js';
import { registerInstallationHandlers } from '../handlers/installations.js';
import { registerMessageHandlers } from '../handlers/messages.js';
import { OpenAIModel } from '../llm/openai-model.js';
import { boltLogger } from '../observability/bolt-logger.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { BullTurnQueue } from '../queue/bullmq-queue.js';
import { InProcessTurnQueue } from '../queue/in-process-queue.js';
import { ThreadSequencer } from '../queue/thread-sequencer.js';
import type { TurnQueue } from '../queue/types.js';
import { SlackRateGates } from '../slack/rate-gate.js';
import { InstalledWorkspaces, SingleWorkspace, type SlackWorkspaces } from '../slack/workspaces.js';
import { createRedis, createStores, redisReady } from '../store/index.js';
import { storeKeys } from '../store/keys.js';
import { RedisInstallationStore } from '../store/redis/installation-store.js';
import { RedisRateShare } from '../store/redis/rate-share.js';
import { createTurnProcessor } from './process-turn.js';
import { healthRoutes } from './routes.js';
import { buildSlackApp } from './slack-app.js';

export interface ThreadwiseOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
  /** Milliseconds running turns get to finish on shutdown (default: queue.shutdown_grace_ms). */
  shutdownGraceMs?: number;
}

export interface Threadwise {
  log: Logger;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

/** The composition root: the only place that knows every adapter. */
export async function createThreadwise(config: Config, options: ThreadwiseOptions = {}): Promise<Threadwise> {
  const { env, file } = config;
  const secrets = secretEnvKeys.map((k) => env[k]).filter((v): v is string => typeof v === 'string');
  const log = createLogger({ level: env.LOG_LEVEL, secrets, destination: options.logDestination });
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
  const stores = createStores({ keyPrefix: file.state.key_prefix, threadTtlSeconds: file.state.ttl_days * 86_400 }, redis);

  const slackLogger = boltLogger(log);
  const clientOptions: WebClientOptions = { slackApiUrl: env.SLACK_API_URL, logger: slackLogger, retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2_000 } };
  const gates = new SlackRateGates(
    redis && { store: new RedisRateShare(redis, keys), onError: (err) => log.debug({ err: { message: err.message } }, 'shared rate limit state unavailable') },
  );
  let workspaces: SlackWorkspaces;
  let installed: InstalledWorkspaces | undefined;
  let bot: { token: string; userId: string; botId: string } | undefined;
  const installationStore = oauth && redis ? new RedisInstallationStore(redis, keys) : undefined;
  if (oauth) {
    if (!installationStore) throw new Error('OAuth (SLACK_CLIENT_ID…) needs REDIS_URL: installations must survive restarts and be shared by replicas');
    workspaces = installed = new InstalledWorkspaces(installationStore, clientOptions, gates, log);
    log.info('OAuth mode: serving every workspace that installs the app (/slack/install)');
  } else {
    const token = env.SLACK_BOT_TOKEN!;
    const auth = await new WebClient(token, clientOptions).auth.test().catch((err: Error) => {
      throw new Error(`Slack rejected SLACK_BOT_TOKEN or could not be reached (${(err as { data?: { error?: string } }).data?.error ?? err.message})`);
    });
    bot = { token, userId: String(auth.user_id), botId: String(auth.bot_id ?? '') };
    workspaces = new SingleWorkspace(token, bot.userId, clientOptions, gates, log);
    log.info({ team: auth.team_id, bot_user: bot.userId, mode: socketMode ? 'socket' : 'http' }, 'authenticated with Slack');
  }

  const openai = new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, maxRetries: 0 });
  const model = new OpenAIModel(openai, {
    maxRetries: file.openai.max_retries,
    stallTimeoutMs: file.openai.stall_timeout_ms,
    requestTimeoutMs: file.openai.request_timeout_ms,
  }, log.child({ component: 'openai' }));

  const processor = createTurnProcessor({
    file,
    envModel: env.OPENAI_MODEL,
    workspaces,
    turns: stores.turns,
    turn: {
      model,
      threads: stores.threads,
      log,
      requestOptions: { store: file.openai.store, chainPreviousResponse: file.openai.chain_previous_response },
      stallSeconds: Math.round(file.openai.stall_timeout_ms / 1000),
    },
    log,
  });
  const queue: TurnQueue = redis && env.REDIS_URL
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

  let draining = false;
  const routes = healthRoutes({
    ready: async () => {
      const store = await stores.ping();
      return { ok: store && !draining, checks: { store, accepting: !draining } };
    },
  });
  const { app, receiver } = buildSlackApp({ env, log, slackLogger, routes, clientOptions, bot, installationStore });

  registerMessageHandlers(app, {
    trigger: (ctx) => ({ botUserId: ctx.botUserId ?? bot?.userId ?? '', botId: ctx.botId ?? bot?.botId ?? '', allowBots: file.slack.allow_bots }),
    requireMention: (channel, isDm) => channelSettings(file, env.OPENAI_MODEL, channel, isDm).requireMention,
    threads: stores.threads,
    dedupe: stores.dedupe,
    dedupeTtlSeconds: file.state.dedupe_ttl_hours * 3600,
    queue,
    log,
  });

  if (installationStore && installed) {
    const cache = installed;
    registerInstallationHandlers(app, { store: installationStore, forget: (teamId) => cache.forget(teamId), log });
  }

  let httpServer: Server | undefined;
  return {
    log,
    async start() {
      const started = await app.start(env.PORT);
      httpServer = socketMode ? (receiver as unknown as { httpServer?: Server }).httpServer : (started as Server);
      const port = (httpServer?.address() as AddressInfo | null)?.port ?? env.PORT;
      queue.start();
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
      log.info({ grace_ms: grace, running: queue.depth() }, 'draining: refusing new events, letting running turns finish');
      await queue.close(grace);
      await app.stop().catch((err) => log.warn({ err }, 'stopping the receiver failed'));
      await stores.close();
      log.info('threadwise stopped');
    },
  };
}
