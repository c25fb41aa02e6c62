// `npm run bench:tokens`: what token counting costs one turn in a thread that carries three 1.5 MB screenshots.
// Synchronous work, so every millisecond here is a millisecond of blocked event loop. Not part of the tests.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { rateLimitTokens } from '../src/platform/openai/limited-model.js';
import { ContextFitter } from '../src/turn/fit-request.js';
import { itemImageTokens } from '../src/turn/image-tokens.js';
import type { ModelRequest } from '../src/turn/ports.js';
import type { ThreadItem } from '../src/turn/thread.js';
import { TokenCounter } from '../src/turn/tokens.js';
import { fmt, median, percentile } from './stats.js';

const SCREENSHOT_BYTES = 1.5 * 1024 * 1024;
const TURNS = Number(process.env.BENCH_TOKEN_TURNS ?? 20);
const RUNS = Number(process.env.BENCH_TOKEN_RUNS ?? 20);

/** A support thread: questions and answers, three of the questions with a retina screenshot (bytes in memory). */
function thread(): ThreadItem[] {
  const items: ThreadItem[] = [];
  for (let t = 0; t < TURNS; t++) {
    const shot = t % Math.ceil(TURNS / 3) === 0;
    items.push({
      type: 'user',
      ts: `1700000000.${String(t).padStart(6, '0')}`,
      userId: 'U1',
      userName: 'Ada',
      text: `Question ${t}: checkout fails on step ${t} with error E${1000 + t}; what should I try next?`,
      ...(shot
        ? {
            attachments: [
              {
                kind: 'image' as const,
                id: `F${t}`,
                name: `screenshot-${t}.png`,
                mime: 'image/png' as const,
                width: 2880,
                height: 1800,
                detail: 'high' as const,
                data: new Uint8Array(randomBytes(SCREENSHOT_BYTES)),
              },
            ],
          }
        : {}),
    });
    items.push({
      type: 'assistant',
      text: `Answer ${t}: ${'Clear the cache, then retry the payment step. '.repeat(12)}`,
    });
  }
  return items;
}

const request = (items: ThreadItem[]): ModelRequest => ({
  model: 'gpt-4o',
  instructions: 'You are Threadwise, a helpful assistant in Slack.',
  items,
  maxOutputTokens: 4_096,
  safetyIdentifier: 'u',
  promptCacheKey: 'k',
  metadata: {},
  store: false,
});

/** The counting one turn does: the quota estimate, fitting the request, the rate limiter's admission. */
async function oneTurn(fitter: ContextFitter, counter: TokenCounter, items: ThreadItem[]): Promise<void> {
  const built = request(items);
  fitter.estimate(built, items);
  const { request: fitted } = await fitter.fit(built, { fullItems: items });
  rateLimitTokens(fitted, counter);
}

async function main(): Promise<void> {
  const items = thread();
  const counter = new TokenCounter({ extraTokens: itemImageTokens });
  const fitter = new ContextFitter(counter, 100_000);

  let started = performance.now();
  await oneTurn(fitter, counter, items);
  const first = performance.now() - started;

  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    started = performance.now();
    await oneTurn(fitter, counter, items);
    warm.push(performance.now() - started);
  }
  const images = items.filter((i) => i.type === 'user' && i.attachments?.length).length;
  console.log(
    `Token counting for one turn: ${items.length} items, ${images} screenshots of ${fmt(SCREENSHOT_BYTES / 2 ** 20)} MB, Node ${process.version}`,
  );
  console.log('| first turn (cold cache) (ms) | later turns p50 / p99 (ms) |');
  console.log('|---|---|');
  console.log(`| ${fmt(first)} | ${fmt(median(warm))} / ${fmt(percentile(warm, 99))} |`);
}

await main();
