import type { FileConfig } from '../../config/file-schema.js';
import type { Cost, ModelUsage, PriceOf } from '../../turn/ports.js';

/** US dollars per 1M tokens. */
export interface ModelPrice {
  input: number;
  cachedInput: number;
  output: number;
  /** Input written to the prompt cache, for models that bill it apart; absent: billed as input. */
  cacheWrite?: number;
}

export interface PriceTable {
  models: Record<string, ModelPrice>;
  /** Multiplier for Batch API calls (0.5: half price). */
  batchMultiplier: number;
  /** Price used for a model missing from the table, so spending is never counted as free. */
  fallbackModel: string;
}

/** The configured `pricing` (defaults merged with overrides) as the table every cost is computed from. */
export function priceTable(pricing: FileConfig['pricing']): PriceTable {
  const models = Object.fromEntries(
    Object.entries(pricing.models).map(([m, p]) => [
      m,
      {
        input: p.input,
        cachedInput: p.cached_input,
        output: p.output,
        ...(p.cache_write !== undefined ? { cacheWrite: p.cache_write } : {}),
      },
    ]),
  );
  return { models, batchMultiplier: pricing.batch_multiplier, fallbackModel: pricing.fallback_model };
}

/** A dated snapshot (gpt-4o-2024-08-06) is priced like its alias (gpt-4o); no prefix guessing (gpt-4o ≠ gpt-4o-mini). */
export function priceFor(table: PriceTable, model: string): { price: ModelPrice; pricedAs: string; known: boolean } {
  const alias = model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  for (const name of [model, alias]) {
    const price = table.models[name];
    if (price) return { price, pricedAs: name, known: true };
  }
  const fallback = table.models[table.fallbackModel];
  if (!fallback) throw new Error(`pricing has no entry for the fallback model ${table.fallbackModel}`);
  return { price: fallback, pricedAs: table.fallbackModel, known: false };
}

/**
 * Usage → dollars: uncached input, cached input, cache writes and output each at their own rate (cached and
 * written ⊂ input; reasoning tokens ⊂ output, so they are billed at the output rate without being added twice).
 */
export function costOf(table: PriceTable, model: string, usage: ModelUsage, options: { batch?: boolean } = {}): Cost {
  const { price, pricedAs, known } = priceFor(table, model);
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const written = Math.min(usage.cacheWriteTokens ?? 0, usage.inputTokens - cached);
  const micro =
    (usage.inputTokens - cached - written) * price.input +
    cached * price.cachedInput +
    written * (price.cacheWrite ?? price.input) +
    usage.outputTokens * price.output;
  const usd = (micro / 1_000_000) * (options.batch ? table.batchMultiplier : 1);
  return { usd: Math.round(usd * 1e8) / 1e8, pricedAs, known };
}

/** The table as the turn pipeline's pricing port. */
export const priceOfTable =
  (table: PriceTable): PriceOf =>
  (model, usage) =>
    costOf(table, model, usage);

/** The most a call can cost: every input token uncached and the whole output cap used. */
export function worstCaseUsd(table: PriceTable, model: string, inputTokens: number, maxOutputTokens: number): number {
  return costOf(table, model, { inputTokens, cachedTokens: 0, outputTokens: maxOutputTokens }).usd;
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0.00';
  if (usd < 0.01) return `$${usd.toFixed(4)}`;
  return `$${usd.toFixed(2)}`;
}

/** 12,345 */
export const formatCount = (n: number): string => n.toLocaleString('en-US');
