import type { KnownBlock } from '@slack/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import { type Env, secretEnvKeys } from '../../../config/env.js';
import type { SettingsSource } from '../../../config/live-settings.js';
import { redisTarget } from '../../../config/redis-env.js';
import type { Translator } from '../../../i18n/translators.js';
import type { ReadinessCheck } from '../../../platform/observability/ops-routes.js';
import { createDelayedJobs } from '../../../platform/queue/delayed-jobs.js';
import type { CommandRouter } from '../../../platform/slack/command-router.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';
import type { Admins } from '../../access/admins.js';
import type { KnowledgeIndex } from '../contracts.js';
import { configuredSources } from '../sources/configured.js';
import { providerFor } from '../sources/provider-for.js';
import { SyncEngine } from './engine.js';
import { MemorySourceLock, RedisSourceLock } from './lock.js';
import { readinessDetail, statusSection } from './report.js';
import { MemorySyncStatusStore, RedisSyncStatusStore, type SyncStatus } from './status.js';
import { syncSubcommand } from './sync-command.js';

/** How often the schedule looks for sources whose interval has passed (intervals are whole minutes). */
const TICK_MS = 60_000;
const TICK_ID = 'knowledge-sync-tick';

/** Environment values that are credentials, whatever a source kind calls its variables. */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE_KEY|CREDENTIALS/i;

export interface KnowledgeSyncDeps {
  settings: SettingsSource;
  env: Env;
  /** Values of the variables the sources name (`Config.knowledgeEnv`): their credentials. */
  knowledgeEnv: Readonly<Record<string, string>>;
  baseDir: string;
  redis?: RedisClient;
  keys: StoreKeys;
  index: KnowledgeIndex;
  admins: Pick<Admins, 'includes'>;
  commands: CommandRouter;
  readiness: Record<string, ReadinessCheck>;
  log: Logger;
}

export interface KnowledgeSync {
  engine: SyncEngine;
  /** App Home, admins only: each source's state, in the viewer's language. */
  homeSection: (teamId: string, userId: string, t: Translator) => Promise<KnownBlock[]>;
  /** Registers the schedule (once across replicas) and syncs what is due now. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Keeps the knowledge index fed: every source of `knowledge.sources` (and `policies.dir`) synced on its schedule by
 * a durable repeating job (BullMQ with Redis, a timer without), on demand with `/threadwise sync`, its state on
 * App Home and in /readyz details.
 */
export function wire(deps: KnowledgeSyncDeps): KnowledgeSync {
  const log = deps.log.child({ component: 'knowledge-sync' });
  const secrets = [
    ...Object.entries(deps.env as Record<string, unknown>).flatMap(([k, v]) =>
      typeof v === 'string' && ((secretEnvKeys as readonly string[]).includes(k) || SECRET_NAME.test(k)) ? [v] : [],
    ),
    // Every value a source reads from the environment is kept out of its status (an email as much as a token).
    ...Object.values(deps.knowledgeEnv),
  ];
  const sources = () =>
    configuredSources(deps.settings.current()).map((s) => ({
      provider: providerFor(s.config, { baseDir: deps.baseDir, env: deps.knowledgeEnv, log }),
      everyMs: s.everyMs,
    }));
  const statuses = deps.redis ? new RedisSyncStatusStore(deps.redis, deps.keys) : new MemorySyncStatusStore();
  const engine = new SyncEngine({
    index: deps.index,
    statuses,
    lock: deps.redis ? new RedisSourceLock(deps.redis, deps.keys) : new MemorySourceLock(),
    sources,
    secrets,
    log,
  });
  const tick = async () => void (await engine.syncDue());
  const jobs = createDelayedJobs<Record<string, never>>(tick, {
    redis: redisTarget(deps.env),
    prefix: deps.keys.bull,
    queueName: deps.keys.knowledgeSyncQueue,
    schema: z.object({}).strict() as z.ZodType<Record<string, never>>,
    log,
  });

  deps.commands.add(syncSubcommand({ engine, admins: deps.admins, log }));

  // /readyz detail() is synchronous: ok() (asked first on each request) refreshes what it reports.
  let seen: Record<string, SyncStatus> = {};
  deps.readiness.knowledge = {
    ok: async () => {
      seen = await statuses.all().catch(() => seen);
      // A broken source never makes the bot unready: answers still come, from its last good index.
      return true;
    },
    detail: () => readinessDetail(engine.names(), seen),
  };

  return {
    engine,
    homeSection: async (teamId, userId, t) => {
      const names = engine.names();
      if (!names.length || !(await deps.admins.includes(teamId, userId))) return [];
      return statusSection(t, names, await statuses.all());
    },
    async start() {
      // Redis still starting only delays the schedule's registration; answering does not wait for it.
      await jobs
        .repeat(TICK_ID, TICK_MS, {})
        .catch((err: Error) => log.error({ err: { message: err.message } }, 'knowledge sync schedule not registered'));
      jobs.start();
      // The first sync does not wait for the first tick: policies answered from the start, as before.
      void tick().catch((err: Error) => log.error({ err }, 'knowledge sync at start failed'));
    },
    async close() {
      engine.close();
      await jobs.close();
    },
  };
}
