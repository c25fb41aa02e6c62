import { z } from 'zod';
import { parseStored } from '../../../lib/stored-json.js';
import type { StoreKeys } from '../../../platform/store/keys.js';
import type { RedisClient } from '../../../platform/store/redis-client.js';

/** Per-document problems kept in a status (the rest are counted). */
export const MAX_PROBLEMS = 20;

export const syncStatusSchema = z.object({
  /** When the latest sync started (epoch ms); the schedule counts from here. */
  lastAttemptAt: z.number(),
  lastSuccessAt: z.number().optional(),
  /** Why the latest sync failed (no secret); absent after a success. */
  lastError: z.string().optional(),
  /** Documents the index holds for this source after the latest success. */
  documents: z.number().int().nonnegative(),
  /** What the latest success changed. */
  upserted: z.number().int().nonnegative(),
  deleted: z.number().int().nonnegative(),
  /** Documents of the latest success that could not be read (their last version keeps serving). */
  problems: z.array(z.object({ id: z.string(), message: z.string() })),
  problemCount: z.number().int().nonnegative(),
  durationMs: z.number().nonnegative(),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;

/** The sync status of each source, shared by replicas (App Home and /readyz read it wherever they run). */
export interface SyncStatusStore {
  get(source: string): Promise<SyncStatus | undefined>;
  all(): Promise<Record<string, SyncStatus>>;
  put(source: string, status: SyncStatus): Promise<void>;
}

export class RedisSyncStatusStore implements SyncStatusStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async get(source: string): Promise<SyncStatus | undefined> {
    return parseStored(syncStatusSchema, await this.redis.hget(this.keys.knowledgeStatus, source));
  }

  async all(): Promise<Record<string, SyncStatus>> {
    const raw = await this.redis.hgetall(this.keys.knowledgeStatus);
    const out: Record<string, SyncStatus> = {};
    for (const [name, json] of Object.entries(raw)) {
      // A status another version wrote in a shape this one cannot read is left out, not trusted.
      const status = parseStored(syncStatusSchema, json);
      if (status) out[name] = status;
    }
    return out;
  }

  async put(source: string, status: SyncStatus): Promise<void> {
    await this.redis.hset(this.keys.knowledgeStatus, source, JSON.stringify(status));
  }
}

/** Without Redis: the statuses of this process. */
export class MemorySyncStatusStore implements SyncStatusStore {
  private readonly byName = new Map<string, SyncStatus>();

  async get(source: string): Promise<SyncStatus | undefined> {
    return this.byName.get(source);
  }

  async all(): Promise<Record<string, SyncStatus>> {
    return Object.fromEntries(this.byName);
  }

  async put(source: string, status: SyncStatus): Promise<void> {
    this.byName.set(source, status);
  }
}
