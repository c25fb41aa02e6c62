import { ExpiringMap } from '../../lib/expiring-cache.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { StoreKeys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/**
 * Threads the bot takes part in, marked the moment it accepts a question there: a follow-up typed while the first
 * answer is still being written belongs to the bot's thread already, though nothing of the thread is stored yet.
 */
export interface ParticipationStore {
  join(key: ThreadKey, ttlSeconds: number): Promise<void>;
  has(key: ThreadKey): Promise<boolean>;
}

export class RedisParticipationStore implements ParticipationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async join(key: ThreadKey, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.participation(key), '1', 'EX', Math.max(1, Math.round(ttlSeconds)));
  }

  async has(key: ThreadKey): Promise<boolean> {
    return (await this.redis.exists(this.keys.participation(key))) === 1;
  }
}

export class MemoryParticipationStore implements ParticipationStore {
  private readonly joined: ExpiringMap<true>;
  constructor(
    private readonly keys: StoreKeys,
    now?: () => number,
  ) {
    this.joined = new ExpiringMap(now);
  }

  async join(key: ThreadKey, ttlSeconds: number): Promise<void> {
    this.joined.set(this.keys.participation(key), true, ttlSeconds);
  }

  async has(key: ThreadKey): Promise<boolean> {
    return this.joined.get(this.keys.participation(key)) === true;
  }
}
