import { z } from 'zod';
import { parseStored } from '../../lib/stored-json.js';
import type { StoreKeys } from '../../platform/store/keys.js';
import type { RedisClient } from '../../platform/store/redis-client.js';
import type { KnowledgeGap, KnowledgeGaps } from './contracts.js';

/** Long enough for a weekly digest to be prepared late (or again); questions are people's words, so not longer. */
export const GAP_RETENTION_MS = 35 * 86_400_000;
/** A question is kept at the length the desk keeps it: enough to group, not a transcript. */
const MAX_QUESTION = 500;

const gapSchema = z.object({
  question: z.string(),
  channel: z.string(),
  threadTs: z.string(),
  reason: z.enum(['handoff', 'not_in_sources']),
  at: z.number(),
  // Entries recorded before askers were kept read as nobody's; they lapse with retention.
  askedBy: z.string().default(''),
}) satisfies z.ZodType<KnowledgeGap, unknown>;

/** One entry per thread: a question handed off and then found missing from the sources is one gap, not two. */
const idOf = (g: Pick<KnowledgeGap, 'channel' | 'threadTs'>) => `${g.channel} ${g.threadTs}`;
const clip = (g: KnowledgeGap): KnowledgeGap => ({ ...g, question: g.question.slice(0, MAX_QUESTION) });

// Keeps the first record of a thread, drops entries past retention, and lets both keys lapse with the last entry.
const RECORD = `
local cutoff = tonumber(ARGV[4])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. cutoff)
for _, id in ipairs(old) do redis.call('HDEL', KEYS[1], id) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. cutoff)
local added = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
if added == 1 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return added`;

/** Gaps in Redis, shared by every replica: a hash of entries and a sorted set of their ids by time. */
export class RedisKnowledgeGaps implements KnowledgeGaps {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
    private readonly now: () => number = Date.now,
  ) {}

  async record(gap: KnowledgeGap): Promise<void> {
    const g = clip(gap);
    await this.redis.eval(
      RECORD,
      2,
      this.keys.gapItems,
      this.keys.gapsByTime,
      idOf(g),
      JSON.stringify(g),
      g.at,
      this.now() - GAP_RETENTION_MS,
      GAP_RETENTION_MS,
    );
  }

  async between(from: number, to: number): Promise<KnowledgeGap[]> {
    const ids = await this.redis.zrangebyscore(this.keys.gapsByTime, from, `(${to}`);
    if (!ids.length) return [];
    const raw = await this.redis.hmget(this.keys.gapItems, ...ids);
    return raw.flatMap((value) => {
      const gap = value ? parseStored(gapSchema, value) : undefined;
      return gap ? [gap] : [];
    });
  }

  async forgetPerson(userId: string): Promise<number> {
    const all = await this.redis.hgetall(this.keys.gapItems);
    const ids = Object.entries(all)
      .filter(([, value]) => parseStored(gapSchema, value)?.askedBy === userId)
      .map(([id]) => id);
    if (!ids.length) return 0;
    await this.redis
      .multi()
      .hdel(this.keys.gapItems, ...ids)
      .zrem(this.keys.gapsByTime, ...ids)
      .exec();
    return ids.length;
  }
}

/** Without Redis: the same rules in this process. */
export class MemoryKnowledgeGaps implements KnowledgeGaps {
  private readonly gaps = new Map<string, KnowledgeGap>();
  constructor(private readonly now: () => number = Date.now) {}

  async record(gap: KnowledgeGap): Promise<void> {
    const cutoff = this.now() - GAP_RETENTION_MS;
    for (const [id, g] of this.gaps) if (g.at < cutoff) this.gaps.delete(id);
    if (!this.gaps.has(idOf(gap))) this.gaps.set(idOf(gap), clip(gap));
  }

  async between(from: number, to: number): Promise<KnowledgeGap[]> {
    return [...this.gaps.values()].filter((g) => g.at >= from && g.at < to).sort((a, b) => a.at - b.at);
  }

  async forgetPerson(userId: string): Promise<number> {
    let gone = 0;
    for (const [id, g] of this.gaps) if (g.askedBy === userId && this.gaps.delete(id)) gone++;
    return gone;
  }
}
