import type { StoreKeys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

/**
 * Real-time Search calls a workspace may make per minute. Slack allows "10+" for most teams with occasional bursts
 * (https://docs.slack.dev/reference/methods/assistant.search.context); staying at the floor keeps answers from
 * running into `ratelimited`, which would hold search back for every replica until Retry-After.
 */
export const SEARCHES_PER_MINUTE = 10;

/** Shared per-workspace count of search calls in the current minute. */
export interface SearchBudget {
  /** True (and counted) when the workspace has a call left this minute; false: skip the search. */
  take(teamId: string): Promise<boolean>;
}

const minuteOf = (at: number) => Math.floor(at / 60_000);

// Counts the call and returns the minute's total; the counter lives a little past its minute.
const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** One counter per workspace and minute in Redis, so every replica draws on the same budget. */
export class RedisSearchBudget implements SearchBudget {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
    private readonly perMinute = SEARCHES_PER_MINUTE,
    private readonly now: () => number = Date.now,
  ) {}

  async take(teamId: string): Promise<boolean> {
    const n = Number(
      await this.redis.eval(TAKE, 1, this.keys.slackSearchBudget(teamId, minuteOf(this.now())), 120_000),
    );
    return n <= this.perMinute;
  }
}

/** Without Redis: the same count in this process (the only replica). */
export class MemorySearchBudget implements SearchBudget {
  private readonly counts = new Map<string, { minute: number; n: number }>();
  constructor(
    private readonly perMinute = SEARCHES_PER_MINUTE,
    private readonly now: () => number = Date.now,
  ) {}

  async take(teamId: string): Promise<boolean> {
    const minute = minuteOf(this.now());
    const entry = this.counts.get(teamId);
    const n = entry?.minute === minute ? entry.n + 1 : 1;
    this.counts.set(teamId, { minute, n });
    return n <= this.perMinute;
  }
}
