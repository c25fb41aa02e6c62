import { LRUCache } from 'lru-cache';

/** Entries a cache keeps at most unless told otherwise: a long-running process must not grow without end. */
const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * A bounded map whose entries expire: lru-cache (well kept, O(1), evicts the least recently used entry when full)
 * behind the three operations the stores and lookups need, with an injectable clock for tests.
 */
export class ExpiringMap<V extends {}> {
  private readonly cache: LRUCache<string, V>;

  constructor(now: () => number = Date.now, maxEntries = DEFAULT_MAX_ENTRIES) {
    // lru-cache tracks times to live only when constructed with one (every set() passes its own); ttlResolution 0
    // asks the clock on every read (it otherwise caches it for a millisecond).
    this.cache = new LRUCache<string, V>({
      max: maxEntries,
      ttl: 1,
      ttlAutopurge: false,
      ttlResolution: 0,
      perf: { now },
    });
  }

  get(key: string): V | undefined {
    return this.cache.get(key);
  }

  set(key: string, value: V, ttlSeconds: number): void {
    this.cache.set(key, value, { ttl: Math.max(1, Math.round(ttlSeconds * 1000)) });
  }

  delete(key: string): void {
    this.cache.delete(key);
  }

  /** Deletes the live entries whose value matches; returns how many. */
  deleteWhere(matches: (value: V) => boolean): number {
    // entries() also yields expired entries that were not read since; get() drops those instead.
    const doomed = [...this.cache.keys()].filter((key) => {
      const value = this.cache.get(key);
      return value !== undefined && matches(value);
    });
    for (const key of doomed) this.cache.delete(key);
    return doomed.length;
  }
}
