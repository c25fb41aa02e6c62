import type { Redis } from 'ioredis';
import { decodeItems, encodeItem } from '../codec.js';
import type { StoreKeys } from '../keys.js';
import type { ApprovalStore, DedupeStore, ThreadItem, ThreadKey, ThreadStore } from '../types.js';

export class RedisThreadStore implements ThreadStore {
  constructor(private readonly redis: Redis, private readonly keys: StoreKeys, private readonly ttlSeconds: number) {}

  async load(key: ThreadKey): Promise<ThreadItem[]> {
    return decodeItems(await this.redis.lrange(this.keys.thread(key), 0, -1));
  }

  async append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void> {
    if (!items.length) return;
    const k = this.keys.thread(key);
    await this.redis.multi().rpush(k, ...items.map(encodeItem)).expire(k, this.ttlSeconds).exec();
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

export class RedisApprovalStore implements ApprovalStore {
  constructor(private readonly redis: Redis, private readonly keys: StoreKeys) {}

  async put(id: string, value: string, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.keys.approval(id), value, 'EX', Math.max(1, Math.round(ttlSeconds)));
  }

  async get(id: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.approval(id))) ?? undefined;
  }

  async take(id: string): Promise<string | undefined> {
    // GETDEL (Redis 6.2+) is atomic, so a double click cannot run the approved write twice.
    return (await this.redis.getdel(this.keys.approval(id))) ?? undefined;
  }
}
