import type { App } from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { type Env, oauthEnabled, secretBoxFor, secretEnvKeys } from '../config/env.js';
import type { FileConfig } from '../config/file-schema.js';
import { knowledgeSecretNames } from '../config/knowledge-env.js';
import { LiveSettings } from '../config/live-settings.js';
import { type Config, configBaseDir } from '../config/load.js';
import { describeRedis, redisTarget } from '../config/redis-env.js';
import { createTranslators } from '../i18n/translators.js';
import { boltLogger } from '../platform/observability/bolt-logger.js';
import { createLogger, type Logger, prettyLogsFor } from '../platform/observability/logger.js';
import { createMetrics, type Metrics } from '../platform/observability/metrics.js';
import { checkAll, opsRoutes, type ReadinessCheck } from '../platform/observability/ops-routes.js';
import { BullTurnQueue } from '../platform/queue/bullmq-queue.js';
import { InProcessTurnQueue } from '../platform/queue/in-process-queue.js';
import { JobRouter } from '../platform/queue/job-router.js';
import { ThreadSequencer } from '../platform/queue/thread-sequencer.js';
import { TurnLeases } from '../platform/queue/turn-leases.js';
import type { TurnQueue } from '../platform/queue/types.js';
import { buildSlackApp, type SlackAppOptions } from '../platform/slack/bolt-app.js';
import { CommandRouter } from '../platform/slack/command-router.js';
import { fileLimits } from '../platform/slack/files/prepare.js';
import { createFileReader } from '../platform/slack/files/reader.js';
import { registerInstallationHandlers } from '../platform/slack/installations.js';
import { MeteredWebClient } from '../platform/slack/metered-client.js';
import { PeopleDirectory } from '../platform/slack/people.js';
import { SlackRateGates } from '../platform/slack/rate-gate.js';
import type { SlackReceiver } from '../platform/slack/receiver/slack-receiver.js';
import { RedisRateShare } from '../platform/slack/redis-rate-share.js';
import { UserLanguages } from '../platform/slack/user-languages.js';
import {
  type ConnectBot,
  InstalledWorkspaces,
  SingleWorkspace,
  type SlackWorkspaces,
  writerClientOptions,
} from '../platform/slack/workspaces.js';
import { createRedis, createStores, redisReady, storeOptionsFrom } from '../platform/store/index.js';
import { type StoreKeys, storeKeys } from '../platform/store/keys.js';
import { migrateKeyLayout } from '../platform/store/migrate-keys.js';
import { RedisInstallationStore } from '../platform/store/redis/installation-store.js';
import { connectRedis, type RedisClient } from '../platform/store/redis-client.js';
import type { Stores } from '../platform/store/types.js';

export interface PlatformOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logDestination?: DestinationStream;
}

/** Everything the features share: settings, observability, storage, the queue and the Slack side. */
export interface Platform {
  env: Env;
  /** The settings at start-up: what is built once (connections, the queue, TTLs of stores). */
  file: FileConfig;
  /** The settings now (the file reloads, admins override per channel): read per event and per turn. */
  settings: LiveSettings;
  /** User groups and @handles in the settings, resolved to people. */
  people: PeopleDirectory;
  /** The catalogs, and each person's language for what the bot writes to them. */
  languages: UserLanguages;
  /** Where relative paths in the settings file start: the file's folder. */
  baseDir: string;
  log: Logger;
  metrics: Metrics;
  redis?: RedisClient;
  keys: StoreKeys;
  stores: Stores;
  app: App;
  receiver: SlackReceiver;
  workspaces: SlackWorkspaces;
  /** Single-token mode: the one bot (OAuth mode: each workspace's bot comes from Bolt's context). */
  bot?: { token: string; userId: string; botId: string; teamId: string };
  /** `/threadwise`: features add their subcommands. */
  commands: CommandRouter;
  /** Features register how their queued jobs run. */
  jobs: JobRouter;
  queue: TurnQueue;
  socketMode: boolean;
  oauth: boolean;
  /** Set when the process is shutting down: /readyz fails and new events are refused. */
  draining: { value: boolean };
  /** What else /readyz depends on, added by features by name. */
  readiness: Record<string, ReadinessCheck>;
}

/**
 * The platform layer, built once per process: logger, metrics, Redis and stores, Slack clients per workspace,
 * the Bolt app and receiver with the operator routes, and the durable queue. Nothing here knows a feature.
 */
export async function createPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const { env, file } = config;
  const secrets = [
    ...secretEnvKeys.map((k) => env[k]).filter((v): v is string => typeof v === 'string'),
    // Header values and tokens named by mcp.servers are secrets too, whatever their variables are called.
    ...Object.values(config.mcpSecrets ?? {}),
    // So are the tokens and keys of knowledge sources.
    ...knowledgeSecretNames(file.knowledge).flatMap((n) => config.knowledgeEnv?.[n] ?? []),
  ];
  const log = createLogger({
    level: env.LOG_LEVEL,
    secrets,
    destination: options.logDestination,
    pretty: prettyLogsFor(env.NODE_ENV),
  });
  const socketMode = Boolean(env.SLACK_APP_TOKEN);
  const oauth = oauthEnabled(env);

  const redisAt = redisTarget(env);
  if (!redisAt) {
    log.warn(
      'REDIS_URL is not set: using an in-memory store and queue. Conversations, dedupe state and queued turns are lost on restart and not shared between replicas. Set REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS) for production.',
    );
  } else if (redisAt.kind !== 'single') {
    log.info(`using ${describeRedis(redisAt)}`);
  }
  const redis = redisAt ? createRedis(redisAt) : undefined;
  redis?.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection problem'));
  const keys = storeKeys(file.state.key_prefix);
  if (redis) {
    // Keys written before the Cluster hash tags are renamed before the first event (or once Redis appears).
    const migrate = () =>
      migrateKeyLayout(redis, file.state.key_prefix, keys, log).catch((err: Error) =>
        log.warn(
          { err: { message: err.message } },
          'could not rename keys of the old layout; they expire on their own',
        ),
      );
    if (await redisReady(redis, 5_000)) await migrate();
    else {
      log.error(
        'Redis is not reachable yet: events are refused with 5xx (Slack retries them) until it is; /readyz reports it',
      );
      redis.once('ready', () => void migrate());
    }
  }
  const settings = new LiveSettings(file, env.THREADWISE_CONFIG);
  const stores = createStores(
    storeOptionsFrom(() => settings.current()),
    redis,
  );

  // One registry per app instance, created here and passed in: no module registers metrics on a global.
  let queue: TurnQueue | undefined;
  const metrics = createMetrics(new Registry(), { queueDepth: async () => (queue ? queue.depth() : 0) });

  const slackLogger = boltLogger(log);
  const clientOptions: WebClientOptions = {
    slackApiUrl: env.SLACK_API_URL,
    logger: slackLogger,
    retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
  };
  // Per bot token: a writer client that surfaces rate limits (the reply writer coalesces and falls back), and a
  // file reader whose downloads carry that token to Slack's hosts only.
  const connect: ConnectBot = (token) => ({
    client: new MeteredWebClient(token, writerClientOptions(clientOptions), metrics),
    readFiles: createFileReader(
      new MeteredWebClient(token, clientOptions, metrics),
      {
        token,
        slackApiUrl: env.SLACK_API_URL,
        timeoutMs: file.files.download_timeout_ms,
        limits: fileLimits(file.files),
      },
      log.child({ component: 'files' }),
    ),
  });
  const gates = new SlackRateGates(
    redis && {
      store: new RedisRateShare(redis, keys),
      onError: (err) => log.debug({ err: { message: err.message } }, 'shared rate limit state unavailable'),
    },
  );
  let workspaces: SlackWorkspaces;
  let installed: InstalledWorkspaces | undefined;
  let bot: SlackAppOptions['bot'];
  const installationStore = oauth && redis ? new RedisInstallationStore(redis, keys, secretBoxFor(env)) : undefined;
  if (oauth) {
    if (!installationStore)
      throw new Error(
        'OAuth (SLACK_CLIENT_ID…) needs REDIS_URL: installations must survive restarts and be shared by replicas',
      );
    // Before serving anyone: encrypted installations need their key, and a rotation re-seals under the new one.
    const sweep = await installationStore.checkSealing();
    if (env.THREADWISE_ENCRYPTION_KEY) log.info(sweep, 'installation tokens are encrypted at rest');
    else
      log.warn(
        'THREADWISE_ENCRYPTION_KEY is not set: installation tokens are stored in Redis unencrypted. Set it (openssl rand -base64 32) to encrypt them.',
      );
    workspaces = installed = new InstalledWorkspaces(installationStore, connect, gates, log);
    log.info('OAuth mode: serving every workspace that installs the app (/slack/install)');
  } else {
    const token = env.SLACK_BOT_TOKEN!;
    const identityClient = new MeteredWebClient(token, clientOptions, metrics);
    const auth = await identityClient.auth.test().catch((err: Error) => {
      throw new Error(
        `Slack rejected SLACK_BOT_TOKEN or could not be reached (${(err as { data?: { error?: string } }).data?.error ?? err.message})`,
      );
    });
    bot = {
      token,
      userId: String(auth.user_id),
      botId: String(auth.bot_id ?? ''),
      teamId: String(auth.team_id ?? ''),
      ...(auth.enterprise_id ? { enterpriseId: String(auth.enterprise_id) } : {}),
      ...(await appIdOf(identityClient, String(auth.bot_id ?? ''), log)),
    };
    workspaces = new SingleWorkspace(token, bot.userId, connect, gates, log);
    log.info(
      { team: auth.team_id, bot_user: bot.userId, mode: socketMode ? 'socket' : 'http' },
      'authenticated with Slack',
    );
  }

  const jobs = new JobRouter();
  queue =
    redis && redisAt
      ? new BullTurnQueue(jobs.process, {
          connect: (options) => connectRedis(redisAt, options),
          keys,
          sequencer: new ThreadSequencer(redis, keys),
          leases: new TurnLeases(redis, keys),
          concurrency: file.queue.concurrency,
          lockMs: file.queue.lock_ms,
          stalledCheckMs: file.queue.stalled_check_ms,
          log: log.child({ component: 'queue' }),
        })
      : new InProcessTurnQueue(jobs.process, file.queue.concurrency, log, (id, ttl) => stores.dedupe.claim(id, ttl));
  const turnQueue = queue;

  const draining = { value: false };
  const readiness: Record<string, ReadinessCheck> = {};
  const routes = opsRoutes({
    registry: metrics.registry,
    ready: async () => {
      const added = Object.fromEntries(Object.entries(readiness).map(([name, c]) => [name, () => c.ok()]));
      const result = await checkAll({
        store: () => stores.ping(),
        queue: () => turnQueue.ready(),
        accepting: async () => !draining.value,
        ...added,
      });
      // A passing check may still have something to say (a model that shuts down soon); a failing one says why.
      const details = Object.entries(readiness).flatMap(([name, c]) => {
        const why = c.detail?.();
        return why ? [[name, why] as const] : [];
      });
      return details.length ? { ...result, details: Object.fromEntries(details) } : result;
    },
  });
  const languages = new UserLanguages(workspaces, createTranslators(), log.child({ component: 'languages' }));
  const { app, receiver } = buildSlackApp({ env, log, slackLogger, routes, clientOptions, bot, installationStore });
  if (installationStore && installed) {
    const cache = installed;
    registerInstallationHandlers(app, { store: installationStore, forget: (teamId) => cache.forget(teamId), log });
  }

  return {
    env,
    file,
    settings,
    people: new PeopleDirectory(workspaces, log.child({ component: 'people' })),
    languages,
    baseDir: configBaseDir(env.THREADWISE_CONFIG),
    log,
    metrics,
    redis,
    keys,
    stores,
    app,
    receiver,
    workspaces,
    bot,
    commands: new CommandRouter('/threadwise', languages, log),
    jobs,
    queue: turnQueue,
    socketMode,
    oauth,
    draining,
    readiness,
  };
}

/**
 * The app's id, so requests naming another app are not answered either; auth.test does not carry it, bots.info
 * does. Without it (the call failed) the workspace check alone guards single-token mode.
 */
async function appIdOf(client: MeteredWebClient, botId: string, log: Logger): Promise<{ appId?: string }> {
  if (!botId) return {};
  try {
    const info = await client.bots.info({ bot: botId });
    return info.bot?.app_id ? { appId: info.bot.app_id } : {};
  } catch (err) {
    log.warn({ err: { message: (err as Error).message } }, 'bots.info failed: requests are checked by workspace only');
    return {};
  }
}
