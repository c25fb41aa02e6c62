import { type Cost, type ModelUsage, type PriceOf, type UsageTotals, ZERO_USAGE } from './ports.js';

/** Adds up what the model calls of one turn used and cost. */
export class TurnMeter {
  private sum: UsageTotals = { ...ZERO_USAGE };
  readonly unpriced = new Set<string>();

  constructor(private readonly priceOf: PriceOf | undefined) {}

  add(model: string, usage: ModelUsage): Cost | undefined {
    const cost = this.priceOf?.(model, usage);
    if (cost && !cost.known) this.unpriced.add(model);
    this.sum = {
      inputTokens: this.sum.inputTokens + usage.inputTokens,
      cachedTokens: this.sum.cachedTokens + usage.cachedTokens,
      outputTokens: this.sum.outputTokens + usage.outputTokens,
      usdMicros: this.sum.usdMicros + Math.round((cost?.usd ?? 0) * 1_000_000),
      calls: this.sum.calls + 1,
    };
    return cost;
  }

  get totals(): UsageTotals {
    return { ...this.sum };
  }
}
