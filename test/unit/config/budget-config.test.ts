import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../src/config/file-schema.js';

const issues = (raw: unknown) => {
  const r = fileConfigSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
};

describe('context, limits, pricing and rate-limit settings', () => {
  it('defaults to a 32,000-token input budget, no quotas, list prices and 256 concurrent calls', () => {
    const file = fileConfigSchema.parse({});
    expect(file.context).toEqual({ max_input_tokens: 32_000 });
    expect(file.limits).toEqual({ admins: [], channels: {} });
    expect(file.pricing.models['gpt-4o']).toEqual({ input: 2.5, cached_input: 1.25, output: 10 });
    expect(file.pricing.batch_multiplier).toBe(0.5);
    expect(file.rate_limits).toEqual({ max_concurrent_calls: 256 });
  });

  it('rejects an input budget above the 128,000-token window, bad ids and a fallback model without a price', () => {
    expect(issues({ context: { max_input_tokens: 200_000 } })[0]).toMatch(/^context\.max_input_tokens/);
    expect(issues({ limits: { admins: ['ada'] } })[0]).toMatch(
      /^limits\.admins\.0 name people by user id \(U0123ABCD\), user group id \(S0123ABCD\) or @handle/,
    );
    expect(issues({ limits: { channels: { general: { user_daily_tokens: 5 } } } })[0]).toMatch(/^limits\.channels/);
    expect(issues({ pricing: { fallback_model: 'gpt-9' } })[0]).toMatch(/^pricing\.fallback_model needs a price/);
    expect(issues({ limits: { user_daily_token: 5 } })[0]).toMatch(/Unrecognized key/);
  });

  it('describes every new setting for the docs generator', () => {
    const shape = fileConfigSchema.shape;
    for (const key of ['context', 'limits', 'pricing', 'rate_limits'] as const)
      expect(shape[key].description).toBeTruthy();
  });
});
