import { ExpiringMap } from '../../lib/expiring-cache.js';
import type { StoreKeys } from '../../platform/store/keys.js';
import type { RedisClient } from '../../platform/store/redis-client.js';
import { utcDay } from '../usage/periods.js';

export const DESK_COUNTS = ['questions', 'answered', 'deflected', 'handoffs', 'sla_breaches'] as const;
export type DeskCount = (typeof DESK_COUNTS)[number];

/** What the stats read for a period: the counts, every first-human-reply time, and the unanswered questions. */
export interface DeskPeriod {
  counts: Record<DeskCount, number>;
  firstReplyMs: number[];
  unanswered: string[];
}

/** Day keys outlive the longest period `/threadwise stats` shows (30 days). */
const DAY_TTL_SECONDS = 35 * 86_400;
/** Unanswered questions kept per channel and day, for the topics. */
const MAX_UNANSWERED = 500;

/** Per-channel, per-UTC-day desk counts, shared by every replica. */
export interface DeskStatsStore {
  count(teamId: string, channel: string, at: number, what: DeskCount): Promise<void>;
  firstReply(teamId: string, channel: string, at: number, ms: number): Promise<void>;
  unanswered(teamId: string, channel: string, at: number, question: string): Promise<void>;
  read(teamId: string, channels: readonly string[], days: readonly string[]): Promise<DeskPeriod>;
}

const empty = (): DeskPeriod => ({
  counts: Object.fromEntries(DESK_COUNTS.map((c) => [c, 0])) as Record<DeskCount, number>,
  firstReplyMs: [],
  unanswered: [],
});

export class RedisDeskStats implements DeskStatsStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {}

  async count(teamId: string, channel: string, at: number, what: DeskCount) {
    const k = this.keys.deskDay(teamId, channel, utcDay(at));
    await this.redis.multi().hincrby(k, what, 1).expire(k, DAY_TTL_SECONDS).exec();
  }

  async firstReply(teamId: string, channel: string, at: number, ms: number) {
    const k = this.keys.deskFirstReply(teamId, channel, utcDay(at));
    await this.redis
      .multi()
      .rpush(k, String(Math.max(0, Math.round(ms))))
      .expire(k, DAY_TTL_SECONDS)
      .exec();
  }

  async unanswered(teamId: string, channel: string, at: number, question: string) {
    const k = this.keys.deskUnanswered(teamId, channel, utcDay(at));
    await this.redis
      .multi()
      .lpush(k, question.slice(0, 300))
      .ltrim(k, 0, MAX_UNANSWERED - 1)
      .expire(k, DAY_TTL_SECONDS)
      .exec();
  }

  async read(teamId: string, channels: readonly string[], days: readonly string[]) {
    const out = empty();
    const pipe = this.redis.pipeline();
    for (const c of channels)
      for (const d of days) {
        pipe.hgetall(this.keys.deskDay(teamId, c, d));
        pipe.lrange(this.keys.deskFirstReply(teamId, c, d), 0, -1);
        pipe.lrange(this.keys.deskUnanswered(teamId, c, d), 0, -1);
      }
    const results = (await pipe.exec()) ?? [];
    for (let i = 0; i < results.length; i += 3) {
      const [e1, counts] = results[i]!;
      const [e2, replies] = results[i + 1]!;
      const [e3, questions] = results[i + 2]!;
      const failed = e1 ?? e2 ?? e3;
      if (failed) throw failed;
      for (const c of DESK_COUNTS) out.counts[c] += Number((counts as Record<string, string>)[c] ?? 0);
      out.firstReplyMs.push(...(replies as string[]).map(Number));
      out.unanswered.push(...(questions as string[]));
    }
    return out;
  }
}

export class MemoryDeskStats implements DeskStatsStore {
  private readonly days: ExpiringMap<DeskPeriod>;

  constructor(
    private readonly keys: StoreKeys,
    now?: () => number,
  ) {
    this.days = new ExpiringMap(now);
  }

  private day(teamId: string, channel: string, at: number): DeskPeriod {
    const k = this.keys.deskDay(teamId, channel, utcDay(at));
    const d = this.days.get(k) ?? empty();
    this.days.set(k, d, DAY_TTL_SECONDS);
    return d;
  }

  async count(teamId: string, channel: string, at: number, what: DeskCount) {
    this.day(teamId, channel, at).counts[what] += 1;
  }

  async firstReply(teamId: string, channel: string, at: number, ms: number) {
    this.day(teamId, channel, at).firstReplyMs.push(Math.max(0, Math.round(ms)));
  }

  async unanswered(teamId: string, channel: string, at: number, question: string) {
    const d = this.day(teamId, channel, at);
    d.unanswered.unshift(question.slice(0, 300));
    d.unanswered.length = Math.min(d.unanswered.length, MAX_UNANSWERED);
  }

  async read(teamId: string, channels: readonly string[], days: readonly string[]) {
    const out = empty();
    for (const c of channels)
      for (const day of days) {
        const d = this.days.get(this.keys.deskDay(teamId, c, day));
        if (!d) continue;
        for (const k of DESK_COUNTS) out.counts[k] += d.counts[k];
        out.firstReplyMs.push(...d.firstReplyMs);
        out.unanswered.push(...d.unanswered);
      }
    return out;
  }
}
