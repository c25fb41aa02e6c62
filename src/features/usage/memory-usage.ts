import { type UsageTotals, ZERO_USAGE } from '../../turn/ports.js';
import type { QuotaLimits, Reservation, ReserveResult, UsagePeriod, UsageReport, UsageStore } from './types.js';

const add = (a: UsageTotals, b: UsageTotals): UsageTotals => ({
  inputTokens: a.inputTokens + b.inputTokens,
  cachedTokens: a.cachedTokens + b.cachedTokens,
  outputTokens: a.outputTokens + b.outputTokens,
  usdMicros: a.usdMicros + b.usdMicros,
  calls: a.calls + b.calls,
});

/** The no-Redis twin: the same rules, atomic because each method runs without awaiting in between. */
export class MemoryUsageStore implements UsageStore {
  private readonly totals = new Map<string, UsageTotals>();
  private readonly holds = new Map<string, Map<string, Reservation>>();

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
    const userKey = `u:${r.teamId}:${r.userId}:${r.day}`;
    const wsKey = `w:${r.teamId}:${r.month}`;
    const userUsed = this.get(userKey).inputTokens + this.get(userKey).outputTokens;
    const userHeld = this.held(userKey, now, 'tokens');
    if (limits.userDailyTokens !== undefined && userUsed + userHeld >= limits.userDailyTokens) {
      return { ok: false, limit: 'user_daily_tokens', used: userUsed, reserved: userHeld };
    }
    const wsUsed = this.get(wsKey).usdMicros;
    const wsHeld = this.held(wsKey, now, 'usdMicros');
    if (limits.workspaceMonthlyUsdMicros !== undefined && wsUsed + wsHeld >= limits.workspaceMonthlyUsdMicros) {
      return { ok: false, limit: 'workspace_monthly_usd', used: wsUsed, reserved: wsHeld };
    }
    this.hold(userKey, r);
    this.hold(wsKey, r);
    return { ok: true };
  }

  async settle(p: UsagePeriod, used: UsageTotals, reservation?: Reservation): Promise<void> {
    const keys = [
      `u:${p.teamId}:${p.userId}:${p.day}`,
      `um:${p.teamId}:${p.userId}:${p.month}`,
      `w:${p.teamId}:${p.month}`,
    ];
    if (reservation) for (const k of keys) this.holds.get(k)?.delete(reservation.id);
    for (const k of keys) this.totals.set(k, add(this.get(k), used));
  }

  async report(p: UsagePeriod, topN: number): Promise<UsageReport> {
    const prefix = `um:${p.teamId}:`;
    const suffix = `:${p.month}`;
    const top = [...this.totals.entries()]
      .filter(([k]) => k.startsWith(prefix) && k.endsWith(suffix))
      .map(([k, t]) => ({
        userId: k.slice(prefix.length, -suffix.length),
        tokens: t.inputTokens + t.outputTokens,
        usdMicros: t.usdMicros,
      }))
      .sort((a, b) => b.tokens - a.tokens)
      .slice(0, topN);
    return {
      userToday: this.get(`u:${p.teamId}:${p.userId}:${p.day}`),
      userMonth: this.get(`um:${p.teamId}:${p.userId}:${p.month}`),
      workspaceMonth: this.get(`w:${p.teamId}:${p.month}`),
      top,
    };
  }

  async forgetUser(teamId: string, userId: string): Promise<void> {
    const mine = (k: string) => k.startsWith(`u:${teamId}:${userId}:`) || k.startsWith(`um:${teamId}:${userId}:`);
    for (const k of [...this.totals.keys()]) if (mine(k)) this.totals.delete(k);
    for (const k of [...this.holds.keys()]) if (mine(k)) this.holds.delete(k);
  }
}
