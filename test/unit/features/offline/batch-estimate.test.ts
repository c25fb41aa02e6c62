import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { describeEstimate, estimateCost, triageRequest } from '../../../../src/features/offline/batch/requests.js';
import { priceTable } from '../../../../src/features/usage/prices.js';

const thread = { channel: 'C1', ts: '1700000000.000100', messages: [] };
const lines = [triageRequest(thread, 'Checkout fails with a 500 after the last deploy', { model: 'gpt-4o' })];
const pricing = (models: Record<string, { input: number; cached_input: number; output: number }> = {}) =>
  priceTable(fileConfigSchema.parse({ pricing: { models } }).pricing);

describe('the Batch cost estimate', () => {
  it('uses the configured pricing overrides, at the configured batch multiplier', () => {
    const standard = estimateCost(lines, 'gpt-4o', pricing());
    const doubled = estimateCost(lines, 'gpt-4o', pricing({ 'gpt-4o': { input: 5, cached_input: 2.5, output: 20 } }));
    expect(doubled.batchUsd.typical).toBeCloseTo(standard.batchUsd.typical * 2, 8);
    expect(standard.batchUsd.typical).toBeCloseTo(standard.standardUsd.typical / 2, 8);
    expect(describeEstimate(standard, 'gpt-4o')).toMatch(/Batch API \(50% off\): \$/);
  });

  it('prices a model missing from the table at the fallback price and says so, never as free', () => {
    const e = estimateCost(lines, 'my-fine-tune', pricing());
    expect(e.known).toBe(false);
    expect(e.batchUsd.max).toBeGreaterThan(0);
    expect(describeEstimate(e, 'my-fine-tune')).toContain(
      'pricing.models has no entry for my-fine-tune: priced as gpt-4o',
    );
  });
});
