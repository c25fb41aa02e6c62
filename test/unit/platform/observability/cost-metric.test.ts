import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { costOf, priceTable } from '../../../../src/features/usage/prices.js';
import { meteredModel } from '../../../../src/platform/observability/metered-model.js';
import { createMetrics } from '../../../../src/platform/observability/metrics.js';
import { ModelError, type ModelEvent, type ModelPort, type ModelRequest } from '../../../../src/turn/ports.js';

/** What docs/deployment.md says threadwise_cost_usd_total does, with the price table of an empty settings file. */
function setup(script: (model: string) => ModelEvent[] | ModelError) {
  const registry = new Registry();
  const metrics = createMetrics(registry, { queueDepth: async () => 0 }, { processMetrics: false });
  const prices = priceTable(fileConfigSchema.parse({}).pricing);
  const inner: ModelPort = {
    async *stream(request: ModelRequest) {
      const out = script(request.model);
      if (out instanceof ModelError) throw out;
      yield* out;
    },
  };
  const model = meteredModel(inner, metrics, (m, u) => costOf(prices, m, u).usd);
  const spent = async () => (await registry.getSingleMetric('threadwise_cost_usd_total')!.get()).values[0]?.value ?? 0;
  const call = async (requestModel: string) => {
    try {
      for await (const _ of model.stream({ model: requestModel } as ModelRequest));
    } catch {
      // a failed call: counted as a call, not as spend
    }
  };
  return { call, spent };
}

const usage = { inputTokens: 1_000_000, cachedTokens: 0, outputTokens: 0 };
const done = (model: string, status: 'completed' | 'incomplete' = 'completed'): ModelEvent[] => [
  { type: 'done', call: { responseId: 'resp_1', model, status, usage, functionCalls: [] } },
];

describe('threadwise_cost_usd_total', () => {
  it('prices finished calls with the built-in table when no prices are configured', async () => {
    const { call, spent } = setup((m) => done(m, m === 'gpt-4o-mini' ? 'incomplete' : 'completed'));
    await call('gpt-4o');
    await call('gpt-4o-mini');
    expect(await spent()).toBeCloseTo(2.5 + 0.15, 8);
  });

  it('prices a model missing from the table as the fallback model, never as free', async () => {
    const { call, spent } = setup((m) => done(m));
    await call('gpt-5-preview-unknown');
    expect(await spent()).toBeCloseTo(2.5, 8);
  });

  it('does not count a call that failed before its final event', async () => {
    const { call, spent } = setup(() => new ModelError('server', 'boom'));
    await call('gpt-4o');
    expect(await spent()).toBe(0);
  });
});
