import type { Redis } from 'ioredis';
import { decodeItems, encodeItem } from '../codec.js';
import type { StoreKeys } from '../keys.js';
import type { DedupeStore, ThreadItem, ThreadKey, ThreadStore, TurnLedger } from '../types.js';

/** A turn is retried within minutes; a day covers any backlog. */
const LEDGER_TTL_SECONDS = 86_400;
/** 0.25 + 0.5 + 1 + 2 + 4 s of waiting for Redis to come back. */
const APPEND_RETRIES = 5;

export class RedisThreadStore implements ThreadStore {
  constructor(private readonly redis: Redis, private readonly keys: StoreKeys, private readonly ttlSeconds: number) {}

  async load(key: ThreadKey): Promise<ThreadItem[]> {
    return decodeItems(await this.redis.lrange(this.keys.thread(key), 0, -1));
  }

  /**
   * Rides out a short Redis blip (a few seconds of reconnecting): this write ends a turn whose answer Slack
   * already shows, and losing it would make the retried turn answer the question all over again.
   */
  async append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void> {
    if (!items.length) return;
    const k = this.keys.thread(key);
    for (let attempt = 0; ; attempt++) {
      try {
        await this.redis.multi().rpush(k, ...items.map(encodeItem)).expire(k, this.ttlSeconds).exec();
        return;
      } catch (err) {
        if (attempt >= APPEND_RETRIES) throw err;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  async has(key: ThreadKey): Promise<boolean> {
    return (await this.redis.exists(this.keys.thread(key))) === 1;
  }

  async clear(key: ThreadKey): Promise<void> {
    await this.redis.del(this.keys.thread(key));
  }
}

export class RedisDedupeStore implements DedupeStore {
  constructor(private readonly redis: Redis, private readonly keys: StoreKeys) {}

  async claim(id: string, ttlSeconds: number): Promise<boolean> {
    return (await this.redis.set(this.keys.dedupe(id), '1', 'EX', ttlSeconds, 'NX')) === 'OK';
  }

  async release(id: string): Promise<void> {
    await this.redis.del(this.keys.dedupe(id));
  }
}

export class RedisTurnLedger implements TurnLedger {
  constructor(private readonly redis: Redis, private readonly keys: StoreKeys) {}

  async replies(turnId: string): Promise<string[]> {
    return this.redis.lrange(this.keys.turnReplies(turnId), 0, -1);
  }

  async recordReply(turnId: string, ts: string): Promise<void> {
    const k = this.keys.turnReplies(turnId);
    await this.redis.multi().rpush(k, ts).expire(k, LEDGER_TTL_SECONDS).exec();
  }
}
