// `npm run bench:first-token`: time to the first token per surface, for gpt-4o and the reasoning model gpt-6-luna,
// through the production adapters (createModel for answers, openAITriage for triage) against the fake OpenAI.
// The fake thinks at a fixed pace (THINK_MS per 1,000 reasoning tokens, its token counts per effort in
// test/fakes/sse.ts) on top of BASE_MS to the first token, so the numbers show what the configured effort costs in
// waiting, not OpenAI's real speed. Not part of the tests.

import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { pino } from 'pino';
import { fileConfigSchema } from '../src/config/file-schema.js';
import { channelSettings } from '../src/config/settings.js';
import { createModel } from '../src/features/answering/turn-setup.js';
import { openAITriage } from '../src/features/triage/openai-triage.js';
import { buildRequest } from '../src/turn/build-request.js';
import { FakeOpenAI, type Script } from '../test/fakes/openai-server.js';
import { fmt, median, percentile } from './stats.js';

const RUNS = Number(process.env.BENCH_FIRST_TOKEN_RUNS ?? 10);
const BASE_MS = 150;
const THINK_MS = 1_000;
const KEY = 'sk-test-fake-bench-key-0123456789';
const log = pino({ level: 'silent' });

const triage = {
  title: 'Export fails',
  summary: 'CSV export returns HTTP 500.',
  severity: 'high',
  category: 'bug',
  component: 'export',
  steps_to_reproduce: ['Open Reports', 'Export CSV'],
  suggested_owner: null,
  confidence: 0.8,
};

interface Row {
  surface: string;
  model: string;
  effort: string;
  samples: number[];
  reasoningTokens: number;
}

async function main(): Promise<void> {
  const fake = new FakeOpenAI({ apiKey: KEY, thinkingMsPerKiloToken: THINK_MS });
  const baseURL = await fake.start();
  const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: baseURL };
  const rows: Row[] = [];
  try {
    for (const model of ['gpt-4o', 'gpt-6-luna']) {
      // Answers: the chat default (the lowest effort the model allows), the API's own default, and a channel at `high`.
      for (const [surface, yaml] of [
        ['answer (chat default)', {}],
        ['answer (openai.reasoning_effort: medium, the API default)', { openai: { reasoning_effort: 'medium' } }],
        ['answer (channel effort: high)', { channels: { C0DEEP: { reasoning_effort: 'high' } } }],
      ] as const) {
        const file = fileConfigSchema.parse({ defaults: { model }, ...yaml });
        const settings = channelSettings(file, model, surface.includes('high') ? 'C0DEEP' : 'C0CHAT', false);
        const port = createModel(env, file, log);
        const samples: number[] = [];
        let reasoningTokens = 0;
        for (let i = 0; i < RUNS; i++) {
          fake.enqueue({ kind: 'text', text: 'Here is the answer.', firstTokenDelayMs: BASE_MS } satisfies Script);
          const request = buildRequest(
            settings,
            { teamId: 'T1', channel: 'C0CHAT', threadTs: '1.000001' },
            'U1',
            [],
            [{ type: 'user', ts: '1.000001', userId: 'U1', userName: 'Ada', text: 'How do I export a report?' }],
            { store: false, chainPreviousResponse: false },
            `bench-${i}`,
          );
          const started = performance.now();
          let first: number | undefined;
          for await (const event of port.stream(request)) {
            if (event.type === 'text') first ??= performance.now() - started;
            if (event.type === 'done') reasoningTokens = event.call.usage?.reasoningTokens ?? 0;
          }
          samples.push(first ?? Number.NaN);
        }
        rows.push({
          surface,
          model,
          effort: fake.requests.at(-1)?.body?.reasoning?.effort ?? '—',
          samples,
          reasoningTokens,
        });
      }
      // Triage: Structured Outputs in one answer (not streamed), so the whole call is the wait; the model's own
      // default effort unless openai.reasoning_effort says otherwise.
      const triagePort = openAITriage(
        new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 }),
        { maxOutputTokens: 1_000, timeoutMs: 30_000, maxRetries: 0 },
        log,
      );
      const samples: number[] = [];
      let reasoningTokens = 0;
      for (let i = 0; i < RUNS; i++) {
        fake.enqueue({ kind: 'json', value: triage, firstTokenDelayMs: BASE_MS });
        const started = performance.now();
        const out = await triagePort({ model, text: 'Export fails with HTTP 500', images: [], safetyIdentifier: 'u' });
        samples.push(performance.now() - started);
        if (out.kind === 'ok') reasoningTokens = out.usage?.reasoningTokens ?? 0;
      }
      const effort = fake.requests.at(-1)?.body?.reasoning?.effort;
      rows.push({
        surface: 'triage (whole answer)',
        model,
        effort: effort ?? (model === 'gpt-4o' ? '—' : 'model default'),
        samples,
        reasoningTokens,
      });
    }
  } finally {
    await fake.close();
  }
  console.log(
    `First token per surface, ${RUNS} runs each; the fake answers after ${BASE_MS} ms and thinks ${THINK_MS} ms per 1,000 reasoning tokens.\n`,
  );
  console.log('| surface | model | effort sent | reasoning tokens | first token p50 (ms) | p90 (ms) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.surface} | ${r.model} | ${r.effort} | ${r.reasoningTokens} | ${fmt(median(r.samples), 0)} | ${fmt(percentile(r.samples, 90), 0)} |`,
    );
  console.log(
    '\nBatch: results come within 24 hours, so no first token is waited on; it sends openai.reasoning_effort when set.',
  );
}

await main();
