import type { Redis } from 'ioredis';
import { storeKeys } from '../../platform/store/keys.js';
import { MemoryUsageStore } from './memory-usage.js';
import { RedisUsageStore } from './redis-usage.js';
import type { UsageStore } from './types.js';

/** Redis when configured (shared by every replica), else the in-process twin. */
export function createUsageStore(keyPrefix: string, redis?: Redis): UsageStore {
  return redis ? new RedisUsageStore(redis, storeKeys(keyPrefix)) : new MemoryUsageStore();
}
