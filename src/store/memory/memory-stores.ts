import type { DedupeStore, ThreadItem, ThreadKey, ThreadStore, TurnLedger } from '../types.js';
import type { StoreKeys } from '../keys.js';

/** A map whose entries vanish after their TTL, like Redis keys with EXPIRE. */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, ttlSeconds: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000 });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

export class MemoryThreadStore implements ThreadStore {
  private readonly threads: ExpiringMap<ThreadItem[]>;
  constructor(private readonly keys: StoreKeys, private readonly ttlSeconds: number, now?: () => number) {
    this.threads = new ExpiringMap(now);
  }

  async load(key: ThreadKey): Promise<ThreadItem[]> {
    return [...(this.threads.get(this.keys.thread(key)) ?? [])];
  }

  async append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void> {
    if (!items.length) return;
    const k = this.keys.thread(key);
    this.threads.set(k, [...(this.threads.get(k) ?? []), ...structuredClone(items)], this.ttlSeconds);
  }

  async has(key: ThreadKey): Promise<boolean> {
    return this.threads.get(this.keys.thread(key)) !== undefined;
  }

  async clear(key: ThreadKey): Promise<void> {
    this.threads.delete(this.keys.thread(key));
  }
}

export class MemoryDedupeStore implements DedupeStore {
  private readonly seen: ExpiringMap<true>;
  constructor(private readonly keys: StoreKeys, now?: () => number) {
    this.seen = new ExpiringMap(now);
  }

  async claim(id: string, ttlSeconds: number): Promise<boolean> {
    const k = this.keys.dedupe(id);
    if (this.seen.get(k)) return false;
    this.seen.set(k, true, ttlSeconds);
    return true;
  }

  async release(id: string): Promise<void> {
    this.seen.delete(this.keys.dedupe(id));
  }
}

/** Without Redis nothing survives the process, so the ledger only needs to live as long as it. */
export class MemoryTurnLedger implements TurnLedger {
  private readonly turns = new ExpiringMap<string[]>();

  async replies(turnId: string): Promise<string[]> {
    return [...(this.turns.get(turnId) ?? [])];
  }

  async recordReply(turnId: string, ts: string): Promise<void> {
    this.turns.set(turnId, [...(this.turns.get(turnId) ?? []), ts], 86_400);
  }
}
