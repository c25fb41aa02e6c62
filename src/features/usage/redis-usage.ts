import type { StoreKeys } from '../../platform/store/keys.js';
import { type RedisClient, scanKeys } from '../../platform/store/redis-client.js';
import type { UsageTotals } from '../../turn/ports.js';
import type {
  LimitName,
  QuotaLimits,
  Reservation,
  ReserveResult,
  UsagePeriod,
  UsageReport,
  UsageStore,
} from './types.js';
import { usageUserKey } from './user-key.js';

const DAY_TTL_S = 40 * 86_400;
const MONTH_TTL_S = 400 * 86_400;

/**
 * One atomic step (see UsageStore.reserve). Holds are members "id|tokens|usdMicros" scored by expiry; expired ones
 * (a replica that died mid-call) are purged first. A limit of -1 is no limit.
 */
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
local userNeed = tonumber(ARGV[8])
local wsNeed = tonumber(ARGV[9])
local userUsed = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '0')
local wsUsed = tonumber(redis.call('HGET', KEYS[3], 'usd_micros') or '0')
if userLimit >= 0 and userUsed >= userLimit then return {'reached', 'user_daily_tokens', userUsed, 0} end
if wsLimit >= 0 and wsUsed >= wsLimit then return {'reached', 'workspace_monthly_usd', wsUsed, 0} end
local userHeld = held(KEYS[2], 2)
local wsHeld = held(KEYS[4], 3)
if userLimit >= 0 and userHeld > 0 and userUsed + userHeld + userNeed > userLimit then
  return {'busy', 'user_daily_tokens', userUsed, userHeld}
end
if wsLimit >= 0 and wsHeld > 0 and wsUsed + wsHeld + wsNeed > wsLimit then
  return {'busy', 'workspace_monthly_usd', wsUsed, wsHeld}
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[6])
redis.call('ZADD', KEYS[4], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[4], ARGV[7])
return {'admitted', '', 0, 0}
`;

/** Releases the hold and adds the usage in one step, so a call is never counted twice or not at all. */
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

const holdMember = (r: Reservation) => `${r.id.replace(/\|/g, '_')}|${r.tokens}|${r.usdMicros}`;

function totalsFrom(hash: Record<string, string>): UsageTotals {
  const n = (k: string) => Number(hash[k] ?? 0);
  return {
    inputTokens: n('input'),
    cachedTokens: n('cached'),
    outputTokens: n('output'),
    usdMicros: n('usd_micros'),
    calls: n('calls'),
  };
}

type Reply = [ReserveResult['kind'], LimitName, number, number];

export class RedisUsageStore implements UsageStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: StoreKeys,
  ) {
    redis.defineCommand('twReserve', { numberOfKeys: 4, lua: RESERVE });
    redis.defineCommand('twSettle', { numberOfKeys: 6, lua: SETTLE });
  }

  async reserve(r: Reservation, limits: QuotaLimits, now: number): Promise<ReserveResult> {
    const k = this.keys;
    const user = usageUserKey(r.teamId, r.userId);
    const reply = (await (
      this.redis as unknown as { twReserve: (...a: Array<string | number>) => Promise<Reply> }
    ).twReserve(
      k.usageUserDay(r.teamId, user, r.day),
      k.holdsUserDay(r.teamId, user, r.day),
      k.usageWorkspaceMonth(r.teamId, r.month),
      k.holdsWorkspaceMonth(r.teamId, r.month),
      now,
      r.expiresAt,
      holdMember(r),
      limits.userDailyTokens ?? -1,
      limits.workspaceMonthlyUsdMicros ?? -1,
      DAY_TTL_S,
      MONTH_TTL_S,
      r.tokens,
      r.usdMicros,
    )) as Reply;
    const [kind, limit] = reply;
    if (kind === 'admitted') return { kind };
    if (kind === 'reached') return { kind, limit, used: Number(reply[2]) };
    return { kind, limit, used: Number(reply[2]), reserved: Number(reply[3]) };
  }

  async settle(p: UsagePeriod, used: UsageTotals, reservation?: Reservation): Promise<void> {
    const k = this.keys;
    const user = usageUserKey(p.teamId, p.userId);
    await (this.redis as unknown as { twSettle: (...a: Array<string | number>) => Promise<number> }).twSettle(
      k.holdsUserDay(p.teamId, user, p.day),
      k.holdsWorkspaceMonth(p.teamId, p.month),
      k.usageUserDay(p.teamId, user, p.day),
      k.usageUserMonth(p.teamId, user, p.month),
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
      this.redis.hgetall(k.usageUserDay(p.teamId, usageUserKey(p.teamId, p.userId), p.day)),
      this.redis.hgetall(k.usageUserMonth(p.teamId, usageUserKey(p.teamId, p.userId), p.month)),
      this.redis.hgetall(k.usageWorkspaceMonth(p.teamId, p.month)),
      topN > 0
        ? this.redis.zrevrange(k.usageTopMonth(p.teamId, p.month), 0, topN - 1, 'WITHSCORES')
        : Promise.resolve([]),
    ]);
    const users: string[] = top.filter((_, i) => i % 2 === 0);
    const usd = await Promise.all(
      users.map((u) => this.redis.hget(k.usageUserMonth(p.teamId, usageUserKey(p.teamId, u), p.month), 'usd_micros')),
    );
    return {
      userToday: totalsFrom(userToday),
      userMonth: totalsFrom(userMonth),
      workspaceMonth: totalsFrom(workspaceMonth),
      top: users.map((userId, i) => ({ userId, tokens: Number(top[2 * i + 1]), usdMicros: Number(usd[i] ?? 0) })),
    };
  }

  async forgetUser(teamId: string, userId: string): Promise<void> {
    const tops = await this.scan(this.keys.usageTopMonth(teamId, '*'));
    if (!tops.length) return;
    const tx = this.redis.multi();
    for (const top of tops) tx.zrem(top, userId);
    await tx.exec();
  }

  /** Key prefixes and team ids hold no glob characters, so the pattern matches literally but for the `*`. */
  private async scan(match: string): Promise<string[]> {
    const found: string[] = [];
    for await (const keys of scanKeys(this.redis, match, 500)) found.push(...keys);
    return found;
  }
}
