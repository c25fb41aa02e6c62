/**
 * US dollars per 1M tokens, standard (synchronous) prices; the Batch API bills half of these.
 * Kept in one small table so the budget work can merge it with its own (same field names).
 */
export interface ModelPrice {
  input: number;
  cachedInput: number;
  output: number;
}

export const BATCH_MULTIPLIER = 0.5;

export const PRICES: Record<string, ModelPrice> = {
  'gpt-4o': { input: 2.5, cachedInput: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cachedInput: 0.075, output: 0.6 },
  'gpt-4.1': { input: 2, cachedInput: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cachedInput: 0.1, output: 1.6 },
};

/** A dated snapshot (gpt-4o-2024-11-20) is priced like its alias; an unknown model has no price (never "free"). */
export function priceOf(model: string): ModelPrice | undefined {
  return PRICES[model] ?? PRICES[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
}

export function usdFor(price: ModelPrice, tokens: { input: number; output: number }, batch: boolean): number {
  const usd = (tokens.input * price.input + tokens.output * price.output) / 1_000_000;
  return batch ? usd * BATCH_MULTIPLIER : usd;
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}
