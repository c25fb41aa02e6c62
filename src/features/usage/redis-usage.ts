import type { Redis } from 'ioredis';
import type { StoreKeys } from '../../platform/store/keys.js';
import type { UsageTotals } from '../../turn/ports.js';
import type { QuotaLimits, Reservation, ReserveResult, UsagePeriod, UsageReport, UsageStore } from './types.js';

const DAY_TTL_S = 40 * 86_400;
const MONTH_TTL_S = 400 * 86_400;

/** Holds are members "id|tokens|usdMicros" scored by expiry; expired ones (a replica that died mid-turn) are purged first. */
const RESERVE = `
local now = tonumber(ARGV[1])
local function held(key, field)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local sum = 0
  for _, m in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    local i = 0
    for part in string.gmatch(m, '[^|]+') do
      i = i + 1
      if i == field then sum = sum + tonumber(part) end
    end
  end
  return sum
end
local userLimit = tonumber(ARGV[4])
local wsLimit = tonumber(ARGV[5])
local userUsed = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '0')
local userHeld = held(KEYS[2], 2)
if userLimit >= 0 and userUsed + userHeld >= userLimit then return {0, 'user_daily_tokens', userUsed, userHeld} end
local wsUsed = tonumber(redis.call('HGET', KEYS[3], 'usd_micros') or '0')
local wsHeld = held(KEYS[4], 3)
if wsLimit >= 0 and wsUsed + wsHeld >= wsLimit then return {0, 'workspace_monthly_usd', wsUsed, wsHeld} end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[4], ARGV[7])
return {1, 'ok', 0, 0}
`;

/** Releases the hold and adds the usage in one step, so a turn is never counted twice or not at all. */
const SETTLE = `
if ARGV[1] ~= '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
local fields = {'input', ARGV[2], 'cached', ARGV[3], 'output', ARGV[4], 'tokens', ARGV[5], 'usd_micros', ARGV[6], 'calls', ARGV[7]}
for k = 3, 5 do
  for i = 1, #fields, 2 do redis.call('HINCRBY', KEYS[k], fields[i], fields[i + 1]) end
end
redis.call('EXPIRE', KEYS[3], ARGV[9])
redis.call('EXPIRE', KEYS[4], ARGV[10])
redis.call('EXPIRE', KEYS[5], ARGV[10])
redis.call('ZINCRBY', KEYS[6], ARGV[5], ARGV[8])
redis.call('EXPIRE', KEYS[6], ARGV[10])
return 1
`;

export const holdMember = (r: Reservation) => `${r.id.replace(/\|/g, '_')}|${r.tokens}|${r.usdMicros}`;

export function totalsFrom(hash: Record<string, string>): UsageTotals {
  const n = (k: string) => Number(hash[k] ?? 0);
  return {
    inputTokens: n('input'),
    cachedTokens: n('cached'),
    outputTokens: n('output'),
    usdMicros: n('usd_micros'),
    calls: n('calls'),
  };
}

type Reply = [number, string, number, number];

export class RedisUsageStore implements UsageStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: StoreKeys,
  ) {
    redis.defineCommand('twReserve', { numberOfKeys: 4, lua: RESERVE });
    redis.defineCommand('twSettle', { numberOfKeys: 6, lua: SETTLE });
  }

  async reserve(r: Reservation, limits: QuotaLimits, now: number): Promise<ReserveResult> {
    const k = this.keys;
    const reply = (await (
      this.redis as unknown as { twReserve: (...a: Array<string | number>) => Promise<Reply> }
    ).twReserve(
      k.usageUserDay(r.teamId, r.userId, r.day),
      k.holdsUserDay(r.teamId, r.userId, r.day),
      k.usageWorkspaceMonth(r.teamId, r.month),
      k.holdsWorkspaceMonth(r.teamId, r.month),
      now,
      r.expiresAt,
      holdMember(r),
      limits.userDailyTokens ?? -1,
      limits.workspaceMonthlyUsdMicros ?? -1,
      DAY_TTL_S,
      MONTH_TTL_S,
    )) as Reply;
    if (reply[0] === 1) return { ok: true };
    return {
      ok: false,
      limit: reply[1] as 'user_daily_tokens' | 'workspace_monthly_usd',
      used: Number(reply[2]),
      reserved: Number(reply[3]),
    };
  }

  async settle(p: UsagePeriod, used: UsageTotals, reservation?: Reservation): Promise<void> {
    const k = this.keys;
    await (this.redis as unknown as { twSettle: (...a: Array<string | number>) => Promise<number> }).twSettle(
      k.holdsUserDay(p.teamId, p.userId, p.day),
      k.holdsWorkspaceMonth(p.teamId, p.month),
      k.usageUserDay(p.teamId, p.userId, p.day),
      k.usageUserMonth(p.teamId, p.userId, p.month),
      k.usageWorkspaceMonth(p.teamId, p.month),
      k.usageTopMonth(p.teamId, p.month),
      reservation ? holdMember(reservation) : '',
      used.inputTokens,
      used.cachedTokens,
      used.outputTokens,
      used.inputTokens + used.outputTokens,
      used.usdMicros,
      used.calls,
      p.userId,
      DAY_TTL_S,
      MONTH_TTL_S,
    );
  }

  async report(p: UsagePeriod, topN: number): Promise<UsageReport> {
    const k = this.keys;
    const [userToday, userMonth, workspaceMonth, top] = await Promise.all([
      this.redis.hgetall(k.usageUserDay(p.teamId, p.userId, p.day)),
      this.redis.hgetall(k.usageUserMonth(p.teamId, p.userId, p.month)),
      this.redis.hgetall(k.usageWorkspaceMonth(p.teamId, p.month)),
      topN > 0
        ? this.redis.zrevrange(k.usageTopMonth(p.teamId, p.month), 0, topN - 1, 'WITHSCORES')
        : Promise.resolve([]),
    ]);
    const users: string[] = top.filter((_, i) => i % 2 === 0);
    const usd = await Promise.all(
      users.map((u) => this.redis.hget(k.usageUserMonth(p.teamId, u, p.month), 'usd_micros')),
    );
    return {
      userToday: totalsFrom(userToday),
      userMonth: totalsFrom(userMonth),
      workspaceMonth: totalsFrom(workspaceMonth),
      top: users.map((userId, i) => ({ userId, tokens: Number(top[2 * i + 1]), usdMicros: Number(usd[i] ?? 0) })),
    };
  }

  async forgetUser(teamId: string, userId: string): Promise<void> {
    const k = this.keys;
    const patterns = [
      k.usageUserDay(teamId, userId, '*'),
      k.usageUserMonth(teamId, userId, '*'),
      k.holdsUserDay(teamId, userId, '*'),
    ];
    const tops = await this.scan(k.usageTopMonth(teamId, '*'));
    const own = (await Promise.all(patterns.map((p) => this.scan(p)))).flat();
    const tx = this.redis.multi();
    if (own.length) tx.del(...own);
    for (const top of tops) tx.zrem(top, userId);
    await tx.exec();
  }

  /** Key prefixes, team and user ids hold no glob characters, so the patterns match literally but for the `*`. */
  private async scan(match: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    return found;
  }
}
