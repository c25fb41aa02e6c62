import { storeKeys } from '../../platform/store/keys.js';
import type { RedisClient } from '../../platform/store/redis-client.js';
import { MemoryUsageStore } from './memory-usage.js';
import { RedisUsageStore } from './redis-usage.js';
import type { UsageStore } from './types.js';

/** Redis when configured (shared by every replica), else the in-process twin. */
export function createUsageStore(keyPrefix: string, redis?: RedisClient): UsageStore {
  return redis ? new RedisUsageStore(redis, storeKeys(keyPrefix)) : new MemoryUsageStore();
}
