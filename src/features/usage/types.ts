import type { UsageTotals } from '../../turn/ports.js';

/** The UTC periods one turn is counted in. */
export interface UsagePeriod {
  teamId: string;
  userId: string;
  day: string;
  month: string;
}

/** A hold on quota for one model call in flight, released when it settles or when it expires (a crashed replica). */
export interface Reservation extends UsagePeriod {
  id: string;
  tokens: number;
  usdMicros: number;
  expiresAt: number;
}

export interface QuotaLimits {
  userDailyTokens?: number;
  workspaceMonthlyUsdMicros?: number;
}

export type LimitName = 'user_daily_tokens' | 'workspace_monthly_usd';

/**
 * `admitted`: the call holds its share. `busy`: other calls in flight hold what is left of a limit, so this one
 * should wait for them. `reached`: the limit is used up (`used` ≥ the limit): refuse.
 */
export type ReserveResult =
  | { kind: 'admitted' }
  | { kind: 'busy'; limit: LimitName; used: number; reserved: number }
  | { kind: 'reached'; limit: LimitName; used: number };

export interface UsageReport {
  userToday: UsageTotals;
  userMonth: UsageTotals;
  workspaceMonth: UsageTotals;
  /** Highest token users this month, most first. */
  top: Array<{ userId: string; tokens: number; usdMicros: number }>;
}

/** Counters and quota holds; the Redis twin is atomic across replicas, the memory twin within one process. */
export interface UsageStore {
  /**
   * In one atomic step: refuses when a limit is used up; admits (holding `tokens`/`usdMicros`) when the call fits
   * beside the calls in flight, or when none are in flight (so the overshoot is at most this one call); else busy.
   */
  reserve(r: Reservation, limits: QuotaLimits, now: number): Promise<ReserveResult>;
  /** Adds what a call used and releases its hold (if any). */
  settle(period: UsagePeriod, used: UsageTotals, reservation?: Reservation): Promise<void>;
  report(period: UsagePeriod, topN: number): Promise<UsageReport>;
  /**
   * Takes a person off the admins' top-users lists (the only place their id is kept). Their counters stay, keyed
   * by a hash of their id: they are accounting, and deleting them would reset the person's daily limit.
   */
  forgetUser(teamId: string, userId: string): Promise<void>;
}
