import { z } from 'zod';
import { ExpiringMap } from '../../lib/expiring-cache.js';
import { parseStored } from '../../lib/stored-json.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { StoreKeys } from './keys.js';
import type { RedisClient } from './redis-client.js';

/** What someone was looking at in Slack when they opened the bot's split view (app_context_changed). */
const appContextSchema = z.object({
  channel: z.string().optional(),
  message: z.object({ channel: z.string(), ts: z.string() }).optional(),
  at: z.number(),
});
export type AppContext = z.infer<typeof appContextSchema>;

/**
 * Per-person state besides conversations: the viewing context, and an index of the threads they asked in (so
 * `/threadwise reset` finds "this" thread and `forget-me` finds every thread). Both expire on their own.
 */
export interface UserStateStore {
  setContext(teamId: string, userId: string, context: AppContext, ttlSeconds: number): Promise<void>;
  /** Reads and removes the context: it applies to the next question only. */
  takeContext(teamId: string, userId: string): Promise<AppContext | undefined>;
  noteThread(key: ThreadKey, userId: string, at: number, ttlSeconds: number): Promise<void>;
  /** Threads the person asked in, most recent first. */
  threads(teamId: string, userId: string): Promise<ThreadKey[]>;
  forgetThread(key: ThreadKey, userId: string): Promise<void>;
  /** Removes the context and the thread index. */
  forget(teamId: string, userId: string): Promise<void>;
}

const member = (k: ThreadKey) => `${k.channel} ${k.threadTs}`;
const fromMember = (teamId: string, m: string): ThreadKey | undefined => {
  const [channel, threadTs] = m.split(' ');
  return channel && threadTs ? { teamId, channel, threadTs } : undefined;
};

function parseContext(raw: string | null | undefined): AppContext | undefined {
  return parseStored(appContextSchema, raw);
}

/**
 * Notes a thread in its asker's index, drops entries older than a thread's lifetime (they point at forgotten
 * threads) and renews the index's TTL, atomically, in one command (EVALSHA) instead of a five-command MULTI.
 * KEYS: the index. ARGV: score (ms), member, oldest score kept, ttl seconds.
 */
const NOTE_THREAD_LUA = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 0`;

interface UserStateScripts {
  twNoteThread(key: string, at: number, member: string, oldest: number, ttlSeconds: number): Promise<unknown>;
}

export class RedisUserStateStore implements UserStateStore {
  private readonly scripts: UserStateScripts;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {
    redis.defineCommand('twNoteThread', { numberOfKeys: 1, lua: NOTE_THREAD_LUA });
    this.scripts = redis as unknown as UserStateScripts;
  }

  async setContext(teamId: string, userId: string, context: AppContext, ttlSeconds: number): Promise<void> {
    await this.redis.set(
      this.keys.appContext(teamId, userId),
      JSON.stringify(appContextSchema.parse(context)),
      'EX',
      Math.max(1, Math.round(ttlSeconds)),
    );
  }

  async takeContext(teamId: string, userId: string): Promise<AppContext | undefined> {
    return parseContext(await this.redis.getdel(this.keys.appContext(teamId, userId)));
  }

  async noteThread(key: ThreadKey, userId: string, at: number, ttlSeconds: number): Promise<void> {
    await this.scripts.twNoteThread(
      this.keys.userThreads(key.teamId, userId),
      at,
      member(key),
      at - ttlSeconds * 1000,
      Math.max(1, Math.round(ttlSeconds)),
    );
  }

  async threads(teamId: string, userId: string): Promise<ThreadKey[]> {
    const members = await this.redis.zrevrange(this.keys.userThreads(teamId, userId), 0, -1);
    return members.flatMap((m) => fromMember(teamId, m) ?? []);
  }

  async forgetThread(key: ThreadKey, userId: string): Promise<void> {
    await this.redis.zrem(this.keys.userThreads(key.teamId, userId), member(key));
  }

  async forget(teamId: string, userId: string): Promise<void> {
    await this.redis.del(this.keys.appContext(teamId, userId), this.keys.userThreads(teamId, userId));
  }
}

export class MemoryUserStateStore implements UserStateStore {
  private readonly contexts: ExpiringMap<string>;
  private readonly index: ExpiringMap<Map<string, number>>;

  constructor(
    private readonly keys: StoreKeys,
    now?: () => number,
  ) {
    this.contexts = new ExpiringMap(now);
    this.index = new ExpiringMap(now);
  }

  async setContext(teamId: string, userId: string, context: AppContext, ttlSeconds: number): Promise<void> {
    this.contexts.set(
      this.keys.appContext(teamId, userId),
      JSON.stringify(appContextSchema.parse(context)),
      ttlSeconds,
    );
  }

  async takeContext(teamId: string, userId: string): Promise<AppContext | undefined> {
    const k = this.keys.appContext(teamId, userId);
    const raw = this.contexts.get(k);
    this.contexts.delete(k);
    return parseContext(raw);
  }

  async noteThread(key: ThreadKey, userId: string, at: number, ttlSeconds: number): Promise<void> {
    const k = this.keys.userThreads(key.teamId, userId);
    const threads = this.index.get(k) ?? new Map<string, number>();
    threads.set(member(key), at);
    for (const [m, when] of threads) if (when < at - ttlSeconds * 1000) threads.delete(m);
    this.index.set(k, threads, ttlSeconds);
  }

  async threads(teamId: string, userId: string): Promise<ThreadKey[]> {
    const threads = this.index.get(this.keys.userThreads(teamId, userId)) ?? new Map<string, number>();
    return [...threads.entries()].sort((a, b) => b[1] - a[1]).flatMap(([m]) => fromMember(teamId, m) ?? []);
  }

  async forgetThread(key: ThreadKey, userId: string): Promise<void> {
    this.index.get(this.keys.userThreads(key.teamId, userId))?.delete(member(key));
  }

  async forget(teamId: string, userId: string): Promise<void> {
    this.contexts.delete(this.keys.appContext(teamId, userId));
    this.index.delete(this.keys.userThreads(teamId, userId));
  }
}
