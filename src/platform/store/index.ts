import type { FileConfig } from '../../config/file-schema.js';
import type { RedisTarget } from '../../config/redis-env.js';
import { threadTtlDays } from '../../config/settings.js';
import { MemoryAuditLog, RedisAuditLog } from './audit-log.js';
import { MemoryOverrideStore, RedisOverrideStore } from './channel-overrides.js';
import { MemoryFeedbackStore, RedisFeedbackStore } from './feedback.js';
import { storeKeys } from './keys.js';
import { MemoryApprovalStore, MemoryDedupeStore, MemoryThreadStore, MemoryTurnLedger } from './memory/memory-stores.js';
import { MemoryParticipationStore, RedisParticipationStore } from './participation.js';
import { RedisApprovalStore, RedisDedupeStore, RedisThreadStore, RedisTurnLedger } from './redis/redis-stores.js';
import { connectRedis, type RedisClient, redisAnswers } from './redis-client.js';
import { MemoryTurnStops, RedisTurnStops } from './turn-stops.js';
import type { Stores, ThreadTtl } from './types.js';
import { MemoryUserStateStore, RedisUserStateStore } from './user-state.js';

export interface StoreOptions {
  keyPrefix: string;
  /** Seconds a thread is remembered after its last message: one for all, or per thread (state.channels). */
  threadTtlSeconds: ThreadTtl;
  /** Images and PDFs kept per thread for follow-ups (the oldest are forgotten first). */
  maxFilesPerThread: number;
  /** How long audit records are kept, as the settings say now. */
  auditRetentionMs: () => number;
}

/**
 * The store options the settings give. `current` is read again on each use, so a settings reload changes retention
 * and a channel's thread lifetime (`state.channels`) at once; the key prefix and the file cap are read once.
 */
export function storeOptionsFrom(current: () => FileConfig): StoreOptions {
  const start = current();
  return {
    keyPrefix: start.state.key_prefix,
    auditRetentionMs: () => current().audit.retention_days * 86_400_000,
    threadTtlSeconds: (key) => threadTtlDays(current(), key.channel) * 86_400,
    maxFilesPerThread: start.files.max_kept_per_thread,
  };
}

export function createRedis(target: RedisTarget): RedisClient {
  // Commands fail fast while Redis is away instead of piling up, so callers can answer 5xx and Slack retries later.
  // Auto-pipelining sends the commands issued in one tick of the event loop as one socket write: concurrent turns
  // (and the reads one turn starts together) share a write and a read of the reply instead of one syscall each.
  return connectRedis(target, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    enableAutoPipelining: true,
  });
}

/** Waits for the first connection, bounded: a Redis that is down at boot must not stop the bot from starting. */
export async function redisReady(redis: RedisClient, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}

export function createStores(opts: StoreOptions, redis?: RedisClient): Stores {
  const keys = storeKeys(opts.keyPrefix);
  if (redis) {
    // The main connection already logs Redis going away; the subscriber's copy of that news adds nothing.
    const stops = new RedisTurnStops(redis, keys, () => undefined);
    return {
      threads: new RedisThreadStore(redis, keys, opts.threadTtlSeconds, opts.maxFilesPerThread),
      participation: new RedisParticipationStore(redis, keys),
      dedupe: new RedisDedupeStore(redis, keys),
      approvals: new RedisApprovalStore(redis, keys),
      signIns: new RedisApprovalStore(redis, keys, keys.mcpSignIn),
      turns: new RedisTurnLedger(redis, keys),
      feedback: new RedisFeedbackStore(redis, keys),
      userState: new RedisUserStateStore(redis, keys),
      audit: new RedisAuditLog(redis, keys, opts.auditRetentionMs),
      overrides: new RedisOverrideStore(redis, keys),
      stops,
      ping: () => redisAnswers(redis),
      close: async () => {
        await stops.close();
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  return {
    threads: new MemoryThreadStore(keys, opts.threadTtlSeconds, opts.maxFilesPerThread),
    participation: new MemoryParticipationStore(keys),
    dedupe: new MemoryDedupeStore(keys),
    approvals: new MemoryApprovalStore(keys),
    signIns: new MemoryApprovalStore(keys, undefined, keys.mcpSignIn),
    turns: new MemoryTurnLedger(),
    feedback: new MemoryFeedbackStore(),
    userState: new MemoryUserStateStore(keys),
    audit: new MemoryAuditLog(opts.auditRetentionMs),
    overrides: new MemoryOverrideStore(),
    stops: new MemoryTurnStops(),
    ping: async () => true,
    close: async () => {},
  };
}
