import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { effortFor, modelTraits, retentionFor } from '../../../../src/config/models.js';
import { modelsInUse } from '../../../../src/features/lifecycle/models-in-use.js';
import { daysUntil, ModelShutdownGuard, thresholdReached } from '../../../../src/features/lifecycle/shutdown-guard.js';
import { SlackAdminAlerts } from '../../../../src/features/usage/admin-alerts.js';
import { MemoryAlertLedger } from '../../../../src/features/usage/alert-ledger.js';
import { costOf, priceTable } from '../../../../src/features/usage/prices.js';
import { createMetrics } from '../../../../src/platform/observability/metrics.js';
import { FallbackModel } from '../../../../src/platform/openai/fallback-model.js';
import { toCreateParams } from '../../../../src/platform/openai/openai-model.js';
import type { SlackWorkspaces, Workspace } from '../../../../src/platform/slack/workspaces.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { ModelError, type ModelEvent, type ModelRequest } from '../../../../src/turn/ports.js';
import { answer, ScriptedModel } from '../../../support/fake-model-port.js';
import { en, translators } from '../../../support/translators.js';

const log = pino({ level: 'silent' });
const request = (model: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model,
  instructions: 'Be brief.',
  items: [{ type: 'user', ts: '1.1', userId: 'U1', userName: 'Ada', text: 'hi' }],
  maxOutputTokens: 512,
  safetyIdentifier: 'user-hash',
  promptCacheKey: 'tw-thread',
  metadata: { app: 'threadwise', thread: 't', turn: 'turn-1' },
  store: false,
  ...extra,
});

describe('the model catalogue', () => {
  it('knows families by alias and snapshot without confusing gpt-4o with gpt-4o-mini or gpt-5 with gpt-5.1', () => {
    expect(modelTraits('gpt-4o-2024-11-20').family).toBe('gpt-4o');
    expect(modelTraits('gpt-4o-mini-2024-07-18').family).toBe('gpt-4o-mini');
    expect(modelTraits('gpt-5.1-2025-11-13').family).toBe('gpt-5.1');
    expect(modelTraits('gpt-6-luna').family).toBe('gpt-6');
    expect(modelTraits('gpt-4o-2024-05-13').shutdown).toBe('2026-10-23');
    expect(modelTraits('my-local-llama').reasoning).toBeUndefined();
  });

  it('chat gets the lowest effort the model allows; an effort the model lacks becomes the next one up', () => {
    expect(effortFor('gpt-4o', 'high')).toBeUndefined();
    expect(effortFor('gpt-5', undefined)).toBe('minimal');
    expect(effortFor('gpt-5.1', undefined)).toBe('none');
    expect(effortFor('gpt-6-luna', undefined)).toBe('low');
    expect(effortFor('gpt-6-luna', 'minimal')).toBe('low');
    expect(effortFor('o3', 'xhigh')).toBe('high');
    expect(effortFor('gpt-5', 'none')).toBe('minimal');
  });

  it('sends a cache retention only where the model accepts it', () => {
    expect(retentionFor('gpt-4o', '24h')).toBeUndefined();
    expect(retentionFor('gpt-4.1', '24h')).toBe('24h');
    expect(retentionFor('gpt-6-luna', 'in_memory')).toBeUndefined();
    expect(retentionFor('gpt-6-luna', '24h')).toBe('24h');
  });
});

describe('the request for a reasoning model', () => {
  it('carries reasoning and retention for gpt-6-luna and neither for gpt-4o; never temperature or top_p', () => {
    const luna = toCreateParams(request('gpt-6-luna', { reasoningSummary: 'auto', promptCacheRetention: '24h' }));
    expect(luna.reasoning).toEqual({ effort: 'low', summary: 'auto' });
    expect(luna.prompt_cache_retention).toBe('24h');
    expect(luna).not.toHaveProperty('temperature');
    expect(luna).not.toHaveProperty('top_p');
    const old = toCreateParams(request('gpt-4o', { reasoningEffort: 'high', promptCacheRetention: '24h' }));
    expect(old).not.toHaveProperty('reasoning');
    expect(old).not.toHaveProperty('prompt_cache_retention');
  });
});

describe('prices from one table', () => {
  const table = priceTable(
    fileConfigSchema.parse({
      pricing: { models: { 'gpt-6-luna': { input: 1, cached_input: 0.1, output: 8, cache_write: 1.25 } } },
    }).pricing,
  );

  it('prices cache writes at their own rate and reasoning tokens as output, each counted once', () => {
    const usage = {
      inputTokens: 1_000,
      cachedTokens: 200,
      cacheWriteTokens: 300,
      outputTokens: 500,
      reasoningTokens: 400,
    };
    // 500 uncached × $1 + 200 cached × $0.10 + 300 written × $1.25 + 500 output × $8, per million.
    expect(costOf(table, 'gpt-6-luna', usage).usd).toBeCloseTo((500 + 20 + 375 + 4_000) / 1e6, 10);
    expect(costOf(table, 'gpt-6-luna', usage, { batch: true }).usd).toBeCloseTo((500 + 20 + 375 + 4_000) / 2e6, 10);
  });

  it('bills cache writes as plain input where the model has no cache-write price', () => {
    const usage = { inputTokens: 1_000, cachedTokens: 0, cacheWriteTokens: 1_000, outputTokens: 0 };
    expect(costOf(table, 'gpt-4o', usage).usd).toBeCloseTo(2.5 / 1_000, 10);
  });
});

describe('the models the configuration uses', () => {
  it('lists the default, the DM and channel models, the summarizer and the fallback once each', () => {
    const file = fileConfigSchema.parse({
      dm: { model: 'gpt-4.1' },
      channels: { C0A: { model: 'gpt-6-luna' }, C0B: { model: 'gpt-4o' } },
      context: { summarize_model: 'gpt-4o-mini' },
      openai: { fallback_model: 'gpt-4.1' },
    });
    expect(modelsInUse(file, 'gpt-4o')).toEqual([
      { model: 'gpt-4o', uses: ['default (answers, triage, Batch)', 'channel C0B'] },
      { model: 'gpt-4.1', uses: ['direct messages', 'fallback (openai.fallback_model)'] },
      { model: 'gpt-6-luna', uses: ['channel C0A'] },
      { model: 'gpt-4o-mini', uses: ['summaries (context.summarize_model)'] },
    ]);
  });
});

describe('shutdown thresholds', () => {
  it('counts whole days to the start of the shutdown day and picks the threshold reached', () => {
    const now = Date.parse('2026-12-03T08:30:00Z');
    expect(daysUntil('2027-01-14', now)).toBe(42);
    expect(daysUntil('2026-12-04', now)).toBe(1);
    expect(daysUntil('2026-12-03', now)).toBe(0);
    expect(thresholdReached(61)).toBeUndefined();
    expect(thresholdReached(42)).toBe(60);
    expect(thresholdReached(30)).toBe(30);
    expect(thresholdReached(5)).toBe(7);
    expect(thresholdReached(1)).toBe(1);
    expect(thresholdReached(0)).toBeUndefined();
  });
});

describe('the shutdown guard', () => {
  afterEach(() => vi.useRealTimers());

  /** A Models API whose shutdown dates the test sets; answers like the SDK's models.retrieve. */
  function modelsApi(dates: Record<string, string | null>) {
    const asked: string[] = [];
    const client = {
      withOptions: () => client,
      models: {
        retrieve: async (id: string) => {
          asked.push(id);
          return { id, object: 'model', created: 1, owned_by: 'system', shutdown_date: dates[id] ?? null };
        },
      },
    };
    return { client: client as never, asked };
  }

  function adminsOf(sent: string[]) {
    const client = {
      conversations: { open: async () => ({ channel: { id: 'D0ADMIN' } }) },
      chat: { postMessage: async (m: { text: string }) => void sent.push(m.text) },
    };
    const workspaces: SlackWorkspaces = { forTeam: async () => ({ client }) as unknown as Workspace };
    return new SlackAdminAlerts(
      async () => ['U0ADMIN'],
      workspaces,
      new MemoryAlertLedger(storeKeys('t:'), () => Date.now()),
      { of: async () => en },
      log,
    );
  }

  it('checks daily and DMs the admins at 60, 30, 7 and 1 days, once each', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-11-10T09:00:00Z') });
    const api = modelsApi({ 'gpt-4o': '2027-01-14' });
    const sent: string[] = [];
    const metrics = createMetrics(new Registry(), { queueDepth: async () => 0 }, { processMetrics: false });
    const guard = new ModelShutdownGuard(
      api.client,
      {
        models: [{ model: 'gpt-4o', uses: ['default'] }],
        timeoutMs: 1_000,
        intervalMs: 86_400_000,
        teams: () => ['T1'],
        hasFallback: false,
        english: en,
      },
      adminsOf(sent),
      metrics.modelShutdownDays,
      log,
    );
    await guard.start();
    expect(sent).toEqual([]); // 65 days left: not yet
    expect(api.asked).toEqual(['gpt-4o']);
    const gauge = async () => (await metrics.modelShutdownDays.get()).values[0]?.value;
    expect(await gauge()).toBe(65);
    const days: number[] = [];
    for (let day = 1; day <= 70; day++) {
      const before = sent.length;
      await vi.advanceTimersByTimeAsync(86_400_000);
      if (sent.length > before) days.push(65 - day);
    }
    expect(days).toEqual([60, 30, 7, 1]);
    expect(sent[0]).toContain('`gpt-4o` shuts down on 2027-01-14* — 60 days from now');
    expect(sent[0]).toContain('again 30, 7, and 1 days before');
    expect(sent[2]).toContain('again 1 day before');
    expect(sent[3]).toContain('1 day from now');
    expect(api.asked).toHaveLength(71);
    expect(await gauge()).toBe(-5);
    expect(guard.warnings()).toEqual(['gpt-4o was shut down on 2027-01-14; used for default']);
    // App Home shows a Japanese admin the same warning in Japanese.
    expect(guard.warnings(translators.forLocale('ja-JP'))).toEqual([
      'gpt-4o は 2027-01-14 に提供終了しました。用途: default',
    ]);
    expect(guard.ready()).toBe(false);
    guard.stop();
  });
});

describe('the fallback model', () => {
  const gone = () =>
    new ModelError('model_missing', "The requested model 'gpt-4o' does not exist.", {
      status: 400,
      code: 'model_not_found',
    });

  async function run(model: FallbackModel, req: ModelRequest) {
    const events: ModelEvent[] = [];
    for await (const e of model.stream(req)) events.push(e);
    return events;
  }

  it('answers on the fallback when the model is gone, then goes there directly', async () => {
    const inner = new ScriptedModel([{ fail: gone() }], answer('from mini'), answer('again'));
    const model = new FallbackModel(inner, 'gpt-4o-mini', log);
    const first = await run(model, request('gpt-4o'));
    expect(first.at(-1)).toMatchObject({ type: 'done', call: { fallbackFrom: 'gpt-4o' } });
    await run(model, request('gpt-4o'));
    expect(inner.requests.map((r) => r.model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4o-mini']);
    expect(model.goneModels).toEqual(['gpt-4o']);
  });

  it('passes other errors through, and a gone fallback too', async () => {
    const inner = new ScriptedModel([{ fail: new ModelError('server', 'boom', { status: 500 }) }], [{ fail: gone() }]);
    const model = new FallbackModel(inner, 'gpt-4o-mini', log);
    await expect(run(model, request('gpt-4o'))).rejects.toMatchObject({ kind: 'server' });
    await expect(run(model, request('gpt-4o-mini'))).rejects.toMatchObject({ kind: 'model_missing' });
  });
});
