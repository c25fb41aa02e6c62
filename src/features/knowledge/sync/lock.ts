import { randomUUID } from 'node:crypto';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';

/** A held lock: renewed while the work runs, released when it ends. */
export interface HeldLock {
  /** False when the lock lapsed (this replica stalled) and another may hold it now. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/** One sync per source at a time, across replicas. */
export interface SourceLock {
  /** The lock of `source`, or undefined while someone else holds it. */
  acquire(source: string, ttlMs: number): Promise<HeldLock | undefined>;
}

/** Deletes or extends the key only while it still holds our token: a lapsed lock taken by another stays theirs. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** SET NX PX with a token: a replica that dies mid-sync leaves the lock to lapse after `ttlMs`. */
export class RedisSourceLock implements SourceLock {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async acquire(source: string, ttlMs: number): Promise<HeldLock | undefined> {
    const key = this.keys.knowledgeSyncLock(source);
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
    return {
      renew: async () => (await this.redis.eval(RENEW, 1, key, token, ttlMs)) === 1,
      release: async () => {
        await this.redis.eval(RELEASE, 1, key, token);
      },
    };
  }
}

/** Without Redis there is one process: a set of the sources being synced. */
export class MemorySourceLock implements SourceLock {
  private readonly held = new Set<string>();

  async acquire(source: string): Promise<HeldLock | undefined> {
    if (this.held.has(source)) return undefined;
    this.held.add(source);
    return {
      renew: async () => this.held.has(source),
      release: async () => void this.held.delete(source),
    };
  }
}
