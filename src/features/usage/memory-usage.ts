import { type UsageTotals, ZERO_USAGE } from '../../turn/ports.js';
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

const add = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  inputTokens: a.inputTokens + b.inputTokens,
  cachedTokens: a.cachedTokens + b.cachedTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  usdMicros: a.usdMicros + b.usdMicros,
  calls: a.calls + b.calls,
});

const keysOf = (p: UsagePeriod) => {
  const u = usageUserKey(p.teamId, p.userId);
  return {
    day: `u:${p.teamId}:${u}:${p.day}`,
    month: `um:${p.teamId}:${u}:${p.month}`,
    ws: `w:${p.teamId}:${p.month}`,
  };
};

/** The no-Redis twin: the same rules, atomic because each method runs without awaiting in between. */
export class MemoryUsageStore implements UsageStore {
  private readonly totals = new Map<string, UsageTotals>();
  private readonly holds = new Map<string, Map<string, Reservation>>();
  /** "team:month" → Slack user id → tokens: the admins' top-users list. */
  private readonly top = new Map<string, Map<string, number>>();

  private get(key: string): UsageTotals {
    return this.totals.get(key) ?? ZERO_USAGE;
  }

  private held(key: string, now: number, field: 'tokens' | 'usdMicros'): number {
    const holds = this.holds.get(key);
    let sum = 0;
    for (const [id, r] of holds ?? []) {
      if (r.expiresAt <= now) holds!.delete(id);
      else sum += r[field];
    }
    return sum;
  }

  private hold(key: string, r: Reservation): void {
    const holds = this.holds.get(key) ?? new Map<string, Reservation>();
    holds.set(r.id, r);
    this.holds.set(key, holds);
  }

  async reserve(r: Reservation, limits: QuotaLimits, now: number): Promise<ReserveResult> {
    const k = keysOf(r);
    const tokens = (t: UsageTotals) => t.inputTokens + t.outputTokens;
    const checks: Array<{ limit: LimitName; max?: number; used: number; held: number; need: number }> = [
      {
        limit: 'user_daily_tokens',
        max: limits.userDailyTokens,
        used: tokens(this.get(k.day)),
        held: this.held(k.day, now, 'tokens'),
        need: r.tokens,
      },
      {
        limit: 'workspace_monthly_usd',
        max: limits.workspaceMonthlyUsdMicros,
        used: this.get(k.ws).usdMicros,
        held: this.held(k.ws, now, 'usdMicros'),
        need: r.usdMicros,
      },
    ];
    for (const c of checks)
      if (c.max !== undefined && c.used >= c.max) return { kind: 'reached', limit: c.limit, used: c.used };
    for (const c of checks) {
      if (c.max !== undefined && c.held > 0 && c.used + c.held + c.need > c.max)
        return { kind: 'busy', limit: c.limit, used: c.used, reserved: c.held };
    }
    this.hold(k.day, r);
    this.hold(k.ws, r);
    return { kind: 'admitted' };
  }

  async settle(p: UsagePeriod, used: UsageTotals, reservation?: Reservation): Promise<void> {
    const k = keysOf(p);
    if (reservation) for (const key of [k.day, k.ws]) this.holds.get(key)?.delete(reservation.id);
    for (const key of [k.day, k.month, k.ws]) this.totals.set(key, add(this.get(key), used));
    const topKey = `${p.teamId}:${p.month}`;
    const top = this.top.get(topKey) ?? new Map<string, number>();
    top.set(p.userId, (top.get(p.userId) ?? 0) + used.inputTokens + used.outputTokens);
    this.top.set(topKey, top);
  }

  async report(p: UsagePeriod, topN: number): Promise<UsageReport> {
    const k = keysOf(p);
    const top = [...(this.top.get(`${p.teamId}:${p.month}`) ?? [])]
      .map(([userId, tokens]) => ({
        userId,
        tokens,
        usdMicros: this.get(keysOf({ ...p, userId }).month).usdMicros,
      }))
      .sort((a, b) => b.tokens - a.tokens)
      .slice(0, topN);
    return { userToday: this.get(k.day), userMonth: this.get(k.month), workspaceMonth: this.get(k.ws), top };
  }

  async forgetUser(teamId: string, userId: string): Promise<void> {
    for (const [key, top] of this.top) if (key.startsWith(`${teamId}:`)) top.delete(userId);
  }
}
