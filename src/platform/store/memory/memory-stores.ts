import { ExpiringMap } from '../../../lib/expiring-cache.js';
import type { ThreadItem, ThreadKey, ThreadStore } from '../../../turn/thread.js';
import { attachBlobs, blobIdsOf, blobsOf, decodeItems, encodeItem } from '../codec.js';
import type { StoreKeys } from '../keys.js';
import { redactPerson } from '../redact-person.js';
import type { ApprovalStore, DedupeStore, ThreadTtl, TurnLedger } from '../types.js';

/** A map whose entries vanish after their TTL, like Redis keys with EXPIRE. */
export class MemoryThreadStore implements ThreadStore {
  private readonly threads: ExpiringMap<ThreadItem[]>;
  /** Per thread: attachment id → bytes, in insertion order so the oldest are forgotten first. */
  private readonly files: ExpiringMap<Map<string, Uint8Array>>;
  constructor(
    private readonly keys: StoreKeys,
    private readonly ttl: ThreadTtl,
    private readonly maxFilesPerThread: number,
    now?: () => number,
  ) {
    this.threads = new ExpiringMap(now);
    this.files = new ExpiringMap(now);
  }

  private ttlOf(key: ThreadKey): number {
    return typeof this.ttl === 'number' ? this.ttl : this.ttl(key);
  }

  async load(key: ThreadKey): Promise<ThreadItem[]> {
    const items = structuredClone(this.threads.get(this.keys.thread(key)) ?? []);
    return attachBlobs(items, this.files.get(this.keys.threadFiles(key)) ?? new Map());
  }

  async append(key: ThreadKey, items: readonly ThreadItem[]): Promise<void> {
    if (!items.length) return;
    const k = this.keys.thread(key);
    // Items are kept as encoded, so they look exactly like what Redis would give back.
    const stored = decodeItems(items.map(encodeItem));
    this.threads.set(k, [...(this.threads.get(k) ?? []), ...stored], this.ttlOf(key));
    const fk = this.keys.threadFiles(key);
    const files = this.files.get(fk) ?? new Map<string, Uint8Array>();
    for (const b of blobsOf(items)) if (!files.has(b.id)) files.set(b.id, new Uint8Array(b.data));
    for (const id of files.keys()) {
      if (files.size <= this.maxFilesPerThread) break;
      files.delete(id);
    }
    this.files.set(fk, files, this.ttlOf(key));
  }

  async has(key: ThreadKey): Promise<boolean> {
    return this.threads.get(this.keys.thread(key)) !== undefined;
  }

  async clear(key: ThreadKey): Promise<void> {
    this.threads.delete(this.keys.thread(key));
    this.files.delete(this.keys.threadFiles(key));
  }

  async redactPerson(key: ThreadKey, userId: string): Promise<number> {
    const k = this.keys.thread(key);
    const items = this.threads.get(k);
    if (!items) return 0;
    const { items: kept, changed } = redactPerson(items, userId);
    if (!changed) return 0;
    const files = this.files.get(this.keys.threadFiles(key));
    for (const id of blobIdsOf(items)) if (!blobIdsOf(kept).includes(id)) files?.delete(id);
    this.threads.set(k, kept, this.ttlOf(key));
    return changed;
  }
}

export class MemoryDedupeStore implements DedupeStore {
  private readonly seen: ExpiringMap<true>;
  constructor(
    private readonly keys: StoreKeys,
    now?: () => number,
  ) {
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

export class MemoryApprovalStore implements ApprovalStore {
  private readonly entries: ExpiringMap<string>;
  constructor(
    keys: StoreKeys,
    now?: () => number,
    private readonly keyOf: (id: string) => string = keys.approval,
  ) {
    this.entries = new ExpiringMap(now);
  }

  async put(id: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(this.keyOf(id), value, ttlSeconds);
  }

  async get(id: string): Promise<string | undefined> {
    return this.entries.get(this.keyOf(id));
  }

  async take(id: string): Promise<string | undefined> {
    const k = this.keyOf(id);
    const value = this.entries.get(k);
    this.entries.delete(k);
    return value;
  }

  async deleteWhere(matches: (value: string) => boolean): Promise<number> {
    return this.entries.deleteWhere(matches);
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
