import type { Logger } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import type { Admission, AdmissionRequest, QuotaPort } from '../../turn/ports.js';
import { humanDuration, nextUtcDay, nextUtcMonth, utcDay, utcMonth, utcStamp } from './periods.js';
import { formatCount as fmt, formatUsd, type PriceTable, worstCaseUsd } from './prices.js';
import type { QuotaLimits, Reservation, ReserveResult, UsagePeriod, UsageStore } from './types.js';

/** A hold outlives any real turn (tool loops included); after that a crashed replica's hold stops counting. */
const HOLD_MS = 15 * 60_000;

export const toMicros = (usd: number) => Math.round(usd * 1_000_000);

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

/**
 * Admits a turn only while the person and the workspace are under their limits, counting turns still running
 * (reserve), and counts what it really used afterwards (settle). The check and the hold are one atomic step, so
 * twenty turns racing at the limit let at most one through past it.
 */
export class QuotaService implements QuotaPort {
  constructor(
    private readonly store: UsageStore,
    private readonly limits: FileConfig['limits'],
    private readonly prices: PriceTable,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  period(teamId: string, userId: string, at = this.now()): UsagePeriod {
    return { teamId, userId, day: utcDay(at), month: utcMonth(at) };
  }

  async admit(req: AdmissionRequest): Promise<Admission> {
    const now = this.now();
    const period = this.period(req.teamId, req.userId, now);
    const limits = limitsFor(this.limits, req.channel, req.userId);
    const settleOnly = (reservation?: Reservation): Admission => ({
      ok: true,
      settle: async (used) => {
        if (!used.calls && !reservation) return;
        await this.store
          .settle(period, used, reservation)
          .catch((err: Error) => this.log.error({ err: { message: err.message } }, 'could not record usage'));
      },
    });
    if (limits === 'exempt' || (limits.userDailyTokens === undefined && limits.workspaceMonthlyUsdMicros === undefined))
      return settleOnly();

    const reservation: Reservation = {
      ...period,
      id: req.turnId,
      tokens: req.inputTokens + req.maxOutputTokens,
      usdMicros: toMicros(worstCaseUsd(this.prices, req.model, req.inputTokens, req.maxOutputTokens)),
      expiresAt: now + HOLD_MS,
    };
    let result: ReserveResult;
    try {
      result = await this.store.reserve(reservation, limits, now);
    } catch (err) {
      // The store being away must not silence the bot: answer, count later if possible, and tell the operators.
      this.log.error({ err: { message: (err as Error).message } }, 'quota check failed; admitting the turn unchecked');
      return settleOnly();
    }
    if (result.ok) return settleOnly(reservation);
    this.log.info({ limit: result.limit, used: result.used, reserved: result.reserved }, 'turn refused: quota reached');
    if (result.limit === 'user_daily_tokens') {
      const resetAt = nextUtcDay(now);
      return {
        ok: false,
        limit: result.limit,
        resetAt,
        notice: `⏳ You've reached your daily limit of ${fmt(limits.userDailyTokens!)} tokens (${fmt(result.used)} used today), so I didn't send this to the model. It resets at ${utcStamp(resetAt)}, in ${humanDuration(resetAt - now)}. \`/threadwise usage\` shows where you stand.`,
      };
    }
    const resetAt = nextUtcMonth(now);
    return {
      ok: false,
      limit: result.limit,
      resetAt,
      notice: `⏳ This workspace has reached its monthly OpenAI budget of ${formatUsd(this.limits.workspace_monthly_usd!)} (${formatUsd(result.used / 1e6)} spent), so I didn't send this to the model. It resets at ${utcStamp(resetAt)}, in ${humanDuration(resetAt - now)}. An admin can raise \`limits.workspace_monthly_usd\`.`,
    };
  }
}
