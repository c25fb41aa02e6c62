import type { StoreKeys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { RateShare } from './rate-gate.js';

// Keeps the later deadline when two replicas report a limit at once; the key expires with the deadline.
const PUBLISH = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;

/** Slack Retry-After deadlines shared by every replica through Redis. */
export class RedisRateShare implements RateShare {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
    private readonly now: () => number = Date.now,
  ) {}

  async until(teamId: string, method: string): Promise<number> {
    return Number((await this.redis.get(this.keys.slackLimit(teamId, method))) ?? 0);
  }

  async publish(teamId: string, method: string, until: number): Promise<void> {
    const ttl = Math.max(1, until - this.now());
    await this.redis.eval(PUBLISH, 1, this.keys.slackLimit(teamId, method), until, ttl);
  }
}
