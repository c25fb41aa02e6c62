import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { costOf, formatUsd, priceTable, worstCaseUsd } from '../../../../src/features/usage/prices.js';

const table = priceTable(fileConfigSchema.parse({}).pricing);

describe('cost of a model call in US dollars', () => {
  it('charges gpt-4o $2.50 per 1M input, $1.25 per 1M cached input and $10.00 per 1M output', () => {
    expect(costOf(table, 'gpt-4o', { inputTokens: 1_000_000, cachedTokens: 0, outputTokens: 0 }).usd).toBe(2.5);
    expect(costOf(table, 'gpt-4o', { inputTokens: 1_000_000, cachedTokens: 1_000_000, outputTokens: 0 }).usd).toBe(
      1.25,
    );
    expect(costOf(table, 'gpt-4o', { inputTokens: 0, cachedTokens: 0, outputTokens: 1_000_000 }).usd).toBe(10);
  });

  it('prices a typical turn: 12,000 input of which 8,000 cached, 500 output', () => {
    // 4,000 × 2.50 + 8,000 × 1.25 + 500 × 10.00 = 10,000 + 10,000 + 5,000 micro-dollars
    expect(costOf(table, 'gpt-4o', { inputTokens: 12_000, cachedTokens: 8_000, outputTokens: 500 }).usd).toBeCloseTo(
      0.025,
      10,
    );
  });

  it('prices the dated snapshot that answered like its alias, and gpt-4o-mini as itself', () => {
    const usage = { inputTokens: 1_000, cachedTokens: 0, outputTokens: 1_000 };
    expect(costOf(table, 'gpt-4o-2024-08-06', usage)).toMatchObject({ usd: 0.0125, pricedAs: 'gpt-4o', known: true });
    expect(costOf(table, 'gpt-4o-mini-2024-07-18', usage)).toMatchObject({
      usd: 0.00075,
      pricedAs: 'gpt-4o-mini',
      known: true,
    });
  });

  it('halves the price for Batch calls', () => {
    expect(
      costOf(table, 'gpt-4o', { inputTokens: 1_000_000, cachedTokens: 0, outputTokens: 1_000_000 }, { batch: true })
        .usd,
    ).toBe(6.25);
  });

  it('never counts an unknown model as free: it is priced at the fallback and flagged', () => {
    expect(costOf(table, 'gpt-9-turbo', { inputTokens: 1_000_000, cachedTokens: 0, outputTokens: 0 })).toEqual({
      usd: 2.5,
      pricedAs: 'gpt-4o',
      known: false,
    });
  });

  it('takes configured prices over the defaults and keeps the other defaults', () => {
    const custom = priceTable(
      fileConfigSchema.parse({ pricing: { models: { 'gpt-4.1': { input: 2, cached_input: 0.5, output: 8 } } } })
        .pricing,
    );
    expect(costOf(custom, 'gpt-4.1-2025-04-14', { inputTokens: 1_000_000, cachedTokens: 0, outputTokens: 0 }).usd).toBe(
      2,
    );
    expect(costOf(custom, 'gpt-4o', { inputTokens: 1_000_000, cachedTokens: 0, outputTokens: 0 }).usd).toBe(2.5);
  });

  it('bounds a call by its input and the whole output cap', () => {
    expect(worstCaseUsd(table, 'gpt-4o', 10_000, 4_096)).toBeCloseTo(0.025 + 0.04096, 10);
    expect(formatUsd(0.025)).toBe('$0.03');
    expect(formatUsd(0.0012)).toBe('$0.0012');
  });
});
