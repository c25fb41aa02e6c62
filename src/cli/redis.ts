import { describeRedis, redisTarget } from '../config/redis-env.js';
import { createRedis, redisReady } from '../platform/store/index.js';
import type { RedisClient } from '../platform/store/redis-client.js';
import type { CliEnv } from './config.js';

/**
 * Runs a job against the bot's Redis (one server, a Cluster or a Sentinel group, as the settings say), refusing
 * clearly when it does not answer, and disconnects afterwards. `loadCliConfig(…, ['redis'])` has checked that one
 * is configured.
 */
export async function withRedis<T>(env: CliEnv, job: (redis: RedisClient) => Promise<T>): Promise<T> {
  const target = redisTarget(env);
  if (!target) throw new Error('no Redis is configured (REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS)');
  const redis = createRedis(target);
  redis.on('error', () => undefined);
  try {
    if (!(await redisReady(redis, 5_000))) throw new Error(`Redis is not reachable at ${describeRedis(target)}`);
    return await job(redis);
  } finally {
    redis.disconnect();
  }
}
