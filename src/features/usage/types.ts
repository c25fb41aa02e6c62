import type { UsageTotals } from '../../turn/ports.js';

/** The UTC periods one turn is counted in. */
export interface UsagePeriod {
  teamId: string;
  userId: string;
  day: string;
  month: string;
}

/** A hold on quota for one running turn, released when the turn settles or when it expires (a crashed replica). */
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

export type ReserveResult =
  | { ok: true }
  | { ok: false; limit: 'user_daily_tokens' | 'workspace_monthly_usd'; used: number; reserved: number };

export interface UsageReport {
  userToday: UsageTotals;
  userMonth: UsageTotals;
  workspaceMonth: UsageTotals;
  /** Highest token users this month, most first. */
  top: Array<{ userId: string; tokens: number; usdMicros: number }>;
}

/** Counters and quota holds; the Redis twin is atomic across replicas, the memory twin within one process. */
export interface UsageStore {
  /** Admits a turn when the user and workspace are still under their limits (counting running turns), and holds `tokens`/`usdMicros`. */
  reserve(r: Reservation, limits: QuotaLimits, now: number): Promise<ReserveResult>;
  /** Adds what the turn used and releases its hold (if any). */
  settle(period: UsagePeriod, used: UsageTotals, reservation?: Reservation): Promise<void>;
  report(period: UsagePeriod, topN: number): Promise<UsageReport>;
  /** Deletes one person's counters and holds, and takes them off the top lists; workspace totals stay (they name nobody). */
  forgetUser(teamId: string, userId: string): Promise<void>;
}
