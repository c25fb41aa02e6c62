import type { Logger } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import type {
  CallAdmission,
  CallEstimate,
  ModelUsage,
  QuotaAccount,
  QuotaPort,
  QuotaRefusal,
  QuotaSubject,
  UsageTotals,
} from '../../turn/ports.js';
import { nextUtcDay, nextUtcMonth, utcDay, utcMonth } from './periods.js';
import { costOf, type PriceTable, worstCaseUsd } from './prices.js';
import type { LimitName, QuotaLimits, Reservation, ReserveResult, UsagePeriod, UsageStore } from './types.js';

/** A hold outlives any real call (time in the rate limiter's line included); after that a crashed replica's stops counting. */
const HOLD_MS = 15 * 60_000;
/** How long a call waits for the person's other calls before it gives up and says so. */
export const MAX_WAIT_MS = 2 * 60_000;
/** Polling for the other calls to settle: quick at first (answers are often short), then once a second. */
const POLL_MS = [100, 200, 400, 800, 1_000];

const toMicros = (usd: number) => Math.round(usd * 1_000_000);

/** Quota rules from THREADWISE_CONFIG: who is exempt and which limits apply where. */
export function limitsFor(limits: FileConfig['limits'], channel: string, userId: string): QuotaLimits | 'exempt' {
  if (limits.admins.includes(userId)) return 'exempt';
  const userDailyTokens = limits.channels[channel]?.user_daily_tokens ?? limits.user_daily_tokens;
  return {
    ...(userDailyTokens !== undefined ? { userDailyTokens } : {}),
    ...(limits.workspace_monthly_usd !== undefined
      ? { workspaceMonthlyUsdMicros: toMicros(limits.workspace_monthly_usd) }
      : {}),
  };
}

export interface QuotaClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

const realClock: QuotaClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Admits each model call only while the person and the workspace are under their limits, holding the most the
 * call can use while it runs (reserve), and counts what it really used when it ends (settle). Check and hold are
 * one atomic step in the store, so across replicas the limit is overshot by at most one call. A call that does
 * not fit beside calls still running waits for them rather than being refused for tokens nobody has used yet.
 */
export class QuotaService implements QuotaPort {
  constructor(
    private readonly store: UsageStore,
    /** The limits as they are now (the settings file reloads). */
    private readonly limits: () => FileConfig['limits'],
    private readonly prices: PriceTable,
    private readonly log: Logger,
    private readonly clock: QuotaClock = realClock,
    /** Admins named through user groups are exempt too; without it only the user ids listed count. */
    private readonly isAdmin?: (teamId: string, userId: string) => Promise<boolean>,
  ) {}

  period(teamId: string, userId: string, at = this.clock.now()): UsagePeriod {
    return { teamId, userId, day: utcDay(at), month: utcMonth(at) };
  }

  account(subject: QuotaSubject): QuotaAccount {
    let calls = 0;
    return {
      admit: async (call, onWait) => {
        calls += 1;
        return this.admitCall(subject, `${subject.turnId}#${calls}`, call, calls > 1, onWait);
      },
    };
  }

  private async admitCall(
    subject: QuotaSubject,
    id: string,
    call: CallEstimate,
    midTurn: boolean,
    onWait?: () => void,
  ): Promise<CallAdmission> {
    const limits = (await this.isAdmin?.(subject.teamId, subject.userId))
      ? 'exempt'
      : limitsFor(this.limits(), subject.channel, subject.userId);
    const unchecked = limits === 'exempt' || Object.keys(limits).length === 0;
    const started = this.clock.now();
    for (let attempt = 0; ; attempt++) {
      const now = this.clock.now();
      const period = this.period(subject.teamId, subject.userId, now);
      if (unchecked) return this.admitted(period);
      const reservation: Reservation = {
        ...period,
        id,
        tokens: call.inputTokens + call.maxOutputTokens,
        usdMicros: toMicros(worstCaseUsd(this.prices, call.model, call.inputTokens, call.maxOutputTokens)),
        expiresAt: now + HOLD_MS,
      };
      let result: ReserveResult;
      try {
        result = await this.store.reserve(reservation, limits, now);
      } catch (err) {
        // The store being away must not silence the bot: answer, count later if possible, and tell the operators.
        this.log.error(
          { err: { message: (err as Error).message } },
          'quota check failed; admitting the call unchecked',
        );
        return this.admitted(period);
      }
      if (result.kind === 'admitted') return this.admitted(period, reservation);
      if (result.kind === 'reached') {
        this.log.info(
          { limit: result.limit, used: result.used, mid_turn: midTurn },
          'model call refused: quota reached',
        );
        return this.reached(result.limit, result.used, limits, now, midTurn);
      }
      if (now - started >= MAX_WAIT_MS) {
        this.log.info(
          { limit: result.limit, used: result.used, reserved: result.reserved, waited_ms: now - started },
          'model call refused: other calls still hold what is left of the quota',
        );
        return this.busy(result.limit, result.used, limits, midTurn);
      }
      if (attempt === 0) onWait?.();
      await this.clock.sleep(POLL_MS[Math.min(attempt, POLL_MS.length - 1)]!);
    }
  }

  private admitted(period: UsagePeriod, reservation?: Reservation): CallAdmission {
    return {
      ok: true,
      settle: async (model, usage) => {
        const used = this.totalsOf(model, usage);
        if (!used.calls && !reservation) return;
        await this.store
          .settle(period, used, reservation)
          .catch((err: Error) => this.log.error({ err: { message: err.message } }, 'could not record usage'));
      },
    };
  }

  private totalsOf(model: string, usage: ModelUsage): UsageTotals {
    const tokens = usage.inputTokens + usage.outputTokens;
    return {
      ...usage,
      usdMicros: tokens ? toMicros(costOf(this.prices, model, usage).usd) : 0,
      calls: tokens ? 1 : 0,
    };
  }

  /** Only said when the limit really is used up: `used` is at least the limit. */
  private reached(limit: LimitName, used: number, limits: QuotaLimits, now: number, midTurn: boolean): QuotaRefusal {
    const stopped = String(midTurn);
    if (limit === 'user_daily_tokens') {
      const resetAt = nextUtcDay(now);
      return {
        ok: false,
        limit,
        notice: (t) =>
          t.t('quota.user_daily_reached', {
            limit: limits.userDailyTokens!,
            used,
            midTurn: stopped,
            resetAt: t.utc(resetAt),
            resetIn: t.duration(resetAt - now),
          }),
      };
    }
    const resetAt = nextUtcMonth(now);
    const budget = this.limits().workspace_monthly_usd!;
    return {
      ok: false,
      limit,
      notice: (t) =>
        t.t('quota.workspace_monthly_reached', {
          budget: t.usd(budget),
          spent: t.usd(used / 1e6),
          midTurn: stopped,
          resetAt: t.utc(resetAt),
          resetIn: t.duration(resetAt - now),
        }),
    };
  }

  /** The limit is not used up, but answers still being written may use the rest of it. */
  private busy(limit: LimitName, used: number, limits: QuotaLimits, midTurn: boolean): QuotaRefusal {
    const stopped = String(midTurn);
    const budget = this.limits().workspace_monthly_usd!;
    const notice: QuotaRefusal['notice'] =
      limit === 'user_daily_tokens'
        ? (t) => t.t('quota.user_daily_busy', { used, limit: limits.userDailyTokens!, midTurn: stopped })
        : (t) =>
            t.t('quota.workspace_monthly_busy', { spent: t.usd(used / 1e6), budget: t.usd(budget), midTurn: stopped });
    return { ok: false, limit, notice };
  }
}
