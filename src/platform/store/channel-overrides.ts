import { z } from 'zod';
import { channelOverrideSchema } from '../../config/file-schema.js';
import { parseStored } from '../../lib/stored-json.js';
import type { StoreKeys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** One admin change: who, when, and each setting's value before and after (absent: not set). */
const changeSchema = z.object({
  by: z.string(),
  at: z.number(),
  fields: z.record(z.string(), z.object({ from: z.unknown().optional(), to: z.unknown().optional() })),
});
export type OverrideChange = z.infer<typeof changeSchema>;

const overrideSchema = z.object({
  settings: channelOverrideSchema,
  /** Newest last, at most HISTORY entries. */
  history: z.array(changeSchema),
});
export type ChannelOverride = z.infer<typeof overrideSchema>;

const HISTORY = 20;

/**
 * Per-channel settings admins set from Slack, on top of the file's; shared by every replica (a Redis hash, one
 * field per channel). A record that no longer validates (a setting renamed since) is skipped, not applied.
 */
export interface OverrideStore {
  all(): Promise<Record<string, ChannelOverride>>;
  /** Replaces the channel's overrides (empty settings remove them) and appends the change to its history. */
  set(channel: string, settings: z.infer<typeof channelOverrideSchema>, change: OverrideChange): Promise<void>;
  /** forget-me: the person's id leaves the histories (the changes stay, by "someone"); returns how many. */
  forgetPerson(userId: string): Promise<number>;
}

const FORGOTTEN = 'a forgotten admin';

export class RedisOverrideStore implements OverrideStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async all(): Promise<Record<string, ChannelOverride>> {
    const raw = await this.redis.hgetall(this.keys.channelOverrides);
    return Object.fromEntries(
      Object.entries(raw).flatMap(([channel, v]) => {
        const parsed = parseStored(overrideSchema, v);
        return parsed ? [[channel, parsed]] : [];
      }),
    );
  }

  async set(channel: string, settings: z.infer<typeof channelOverrideSchema>, change: OverrideChange): Promise<void> {
    const before = parseStored(
      overrideSchema,
      (await this.redis.hget(this.keys.channelOverrides, channel)) ?? undefined,
    );
    const history = [...(before?.history ?? []), change].slice(-HISTORY);
    await this.redis.hset(this.keys.channelOverrides, channel, JSON.stringify({ settings, history }));
  }

  async forgetPerson(userId: string): Promise<number> {
    let changed = 0;
    for (const [channel, o] of Object.entries(await this.all())) {
      const mine = o.history.filter((h) => h.by === userId).length;
      if (!mine) continue;
      changed += mine;
      const history = o.history.map((h) => (h.by === userId ? { ...h, by: FORGOTTEN } : h));
      await this.redis.hset(this.keys.channelOverrides, channel, JSON.stringify({ ...o, history }));
    }
    return changed;
  }
}

export class MemoryOverrideStore implements OverrideStore {
  private readonly byChannel = new Map<string, ChannelOverride>();

  async all(): Promise<Record<string, ChannelOverride>> {
    return structuredClone(Object.fromEntries(this.byChannel));
  }

  async set(channel: string, settings: z.infer<typeof channelOverrideSchema>, change: OverrideChange): Promise<void> {
    const history = [...(this.byChannel.get(channel)?.history ?? []), change].slice(-HISTORY);
    this.byChannel.set(channel, { settings, history });
  }

  async forgetPerson(userId: string): Promise<number> {
    let changed = 0;
    for (const o of this.byChannel.values())
      for (const h of o.history)
        if (h.by === userId) {
          h.by = FORGOTTEN;
          changed++;
        }
    return changed;
  }
}
