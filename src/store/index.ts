import { Redis } from 'ioredis';
import { storeKeys } from './keys.js';
import { MemoryDedupeStore, MemoryThreadStore, MemoryTurnLedger } from './memory/memory-stores.js';
import { RedisDedupeStore, RedisThreadStore, RedisTurnLedger } from './redis/redis-stores.js';
import type { Stores } from './types.js';

export interface StoreOptions {
  redisUrl?: string;
  keyPrefix: string;
  threadTtlSeconds: number;
}

export function createRedis(url: string): Redis {
  // Commands fail fast while Redis is away instead of piling up, so callers can answer 5xx and Slack retries later.
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
}

/** Waits for the first connection, bounded: a Redis that is down at boot must not stop the bot from starting. */
export async function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
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

export function createStores(opts: StoreOptions, redis?: Redis): Stores {
  const keys = storeKeys(opts.keyPrefix);
  if (redis) {
    return {
      threads: new RedisThreadStore(redis, keys, Math.round(opts.threadTtlSeconds)),
      dedupe: new RedisDedupeStore(redis, keys),
      turns: new RedisTurnLedger(redis, keys),
      ping: async () => (await redis.ping().catch(() => null)) === 'PONG',
      close: async () => {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  return {
    threads: new MemoryThreadStore(keys, opts.threadTtlSeconds),
    dedupe: new MemoryDedupeStore(keys),
    turns: new MemoryTurnLedger(),
    ping: async () => true,
    close: async () => {},
  };
}

export type { Stores, ThreadItem, ThreadKey, ThreadStore, DedupeStore, TurnLedger } from './types.js';
