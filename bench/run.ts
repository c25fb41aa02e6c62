// `npm run bench`: the real bot process (HTTP mode, real Redis) against the in-repo fakes. Not part of the tests.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { FakeOpenAI } from '../test/fakes/openai-server.js';
import { FakeSlack } from '../test/fakes/slack-api.js';
import { appMention, messageEvent, sendEvent } from '../test/fakes/slack-events.js';
import { BotProcess } from './bot-process.js';
import { commonPrefix, fmt, median, percentile } from './stats.js';

const SIGNING_SECRET = 'bench-signing-secret-0123456789ab';
const OPENAI_KEY = 'sk-bench-0123456789abcdefghij';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TTFT_MS = Number(process.env.BENCH_TTFT_MS ?? 500);
const TOKENS_PER_S = Number(process.env.BENCH_TPS ?? 60);
const CHARS_PER_TOKEN = 4;
const NOTES_MARKER = '<!-- notes: kept by npm run bench -->';
const WRITE_METHODS = new Set([
  'chat.startStream',
  'chat.appendStream',
  'chat.stopStream',
  'chat.postMessage',
  'chat.update',
]);

interface Env {
  slack: FakeSlack;
  openai: FakeOpenAI;
  bot: BotProcess;
  prefix: string;
}

async function environment(slackRateLimits: 'off' | 'tiers'): Promise<Env> {
  const slack = new FakeSlack({
    rateLimits: slackRateLimits,
    users: { U1: { name: 'ada', real_name: 'Ada', display_name: 'Ada' } },
  });
  // OpenAI's usage tier 5 limits for gpt-4o (30M tokens and 10k requests per minute), refilling like the real API.
  const openai = new FakeOpenAI({
    apiKey: OPENAI_KEY,
    limits: { tokensPerMinute: 30_000_000, requestsPerMinute: 10_000 },
  });
  const [slackUrl, openaiUrl] = [await slack.start(), await openai.start()];
  const prefix = `twbench:${process.pid}:${Date.now()}:`;
  const bot = new BotProcess(
    {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackUrl,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openaiUrl,
      REDIS_URL,
    },
    // One process is sized for the largest scenario: 100 conversations streaming at once.
    `state:\n  key_prefix: "${prefix}"\nqueue:\n  concurrency: 128\nrate_limits:\n  max_concurrent_calls: 128\n`,
  );
  await bot.start();
  await warmUp(slack, bot);
  return { slack, openai, bot, prefix };
}

/** One answered question first, so measurements see a running process (loaded code, open connections), not its start. */
async function warmUp(slack: FakeSlack, bot: BotProcess): Promise<void> {
  const res = await sendEvent(
    `http://127.0.0.1:${bot.port}/slack/events`,
    appMention({ user: 'U1', channel: 'C0WARMUP', text: `<@${slack.botUserId}> warm up` }),
    { signingSecret: SIGNING_SECRET, teamId: slack.teamId, recordTo: slack },
  );
  await bot.waitFor((l) => l.msg === 'turn finished' && l.turn === res.eventId, 30_000);
  slack.reset();
}

async function teardown(env: Env): Promise<void> {
  await env.bot.stop();
  await Promise.all([env.slack.close(), env.openai.close()]);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${env.prefix}*`);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  await redis.quit();
}

const url = (env: Env) => `http://127.0.0.1:${env.bot.port}/slack/events`;
const channelId = (i: number) => `C0BENCH${String(i).padStart(4, '0')}`;

function answerText(tokens: number, seed: number): string {
  const words: string[] = [];
  for (let i = 0; words.join(' ').length < tokens * CHARS_PER_TOKEN; i++)
    words.push(i % 40 === 39 ? `w${seed}-${i}.\n\n` : `w${seed}-${i}`);
  return words.join(' ').slice(0, tokens * CHARS_PER_TOKEN);
}

interface LatencyRow {
  threads: number;
  ackP50: number;
  ackP99: number;
  modelP50: number;
  modelP99: number;
  visibleP50: number;
  visibleP99: number;
  callsPerAnswer: number;
  writesPerStreamS: number;
  rateLimited: number;
  lost: number;
}

/** N questions at once in N channels of one workspace, a simulated model, Slack's tier limits enforced. */
async function latency(threads: number, answerTokens: number): Promise<LatencyRow> {
  const env = await environment('tiers');
  const streamSeconds = answerTokens / TOKENS_PER_S;
  const answers = new Map<string, string>();
  env.openai.setDefault((req) => {
    const text = answerText(answerTokens, Number(String(req.body?.metadata?.turn ?? '').length));
    return {
      kind: 'text',
      text,
      chunkSize: CHARS_PER_TOKEN,
      firstTokenDelayMs: TTFT_MS,
      deltaDelayMs: 1000 / TOKENS_PER_S,
    };
  });
  const sends = await Promise.all(
    Array.from({ length: threads }, async (_, i) => {
      const event = appMention({ user: 'U1', channel: channelId(i), text: `<@${env.slack.botUserId}> question ${i}` });
      const started = Date.now();
      const res = await sendEvent(url(env), event, {
        signingSecret: SIGNING_SECRET,
        teamId: env.slack.teamId,
        recordTo: env.slack,
      });
      return { i, started, ack: res.elapsedMs, eventId: res.eventId, ts: String(event.ts) };
    }),
  );
  await Promise.all(
    sends.map((s) => env.bot.waitFor((l) => l.msg === 'turn finished' && l.turn === s.eventId, 300_000)),
  );
  if (process.env.BENCH_DEBUG) {
    const durations = env.bot.lines
      .filter((l) => l.msg === 'turn finished')
      .map((l) => Number(l.duration_ms))
      .sort((a, b) => a - b);
    console.error(
      'turn durations ms p10/p50/p90/max',
      [0.1, 0.5, 0.9].map((q) => durations[Math.floor(q * durations.length)]),
      durations.at(-1),
    );
    const refused = env.bot.lines
      .filter((l) => l.msg === 'slack write refused')
      .map((l) => `${(l as { method?: string }).method}:${JSON.stringify((l as { failure?: unknown }).failure)}`);
    console.error(
      'refusals',
      Object.entries(
        refused.reduce<Record<string, number>>((acc, r) => {
          acc[r] = (acc[r] ?? 0) + 1;
          return acc;
        }, {}),
      ).slice(0, 12),
    );
    console.error(
      '429s by method',
      [
        'chat.startStream',
        'chat.appendStream',
        'chat.stopStream',
        'chat.postMessage',
        'chat.update',
        'assistant.threads.setStatus',
        'users.info',
      ]
        .map((m) => `${m}=${env.slack.rateLimitedCount(m)}`)
        .join(' '),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${env.bot.port}/metrics`)).text();
    console.error(
      metrics
        .split('\n')
        .filter((l) => /ack_seconds_(sum|count)|queue_wait_seconds_(sum|count)/.test(l))
        .join('\n'),
    );
  }
  const requests = env.openai.responsesRequests();
  const modelLat: number[] = [];
  const visible: number[] = [];
  let calls = 0;
  let writesPerS = 0;
  let lost = 0;
  for (const s of sends) {
    const req = requests.find((r) => r.body?.metadata?.turn === s.eventId)!;
    modelLat.push(req.at - s.started);
    if (process.env.BENCH_DEBUG) {
      const at = (msg: string) =>
        Date.parse(String(env.bot.lines.find((l) => l.msg === msg && l.turn === s.eventId)?.time)) - s.started;
      console.error(
        JSON.stringify({ ack: Math.round(s.ack), started: at('turn started'), request: req.at - s.started }),
      );
    }
    const channel = channelId(s.i);
    const writes = env.slack.calls.filter((c) => c.ok && WRITE_METHODS.has(c.method) && c.args.channel === channel);
    calls += env.slack.calls.filter((c) => c.args.channel === channel || c.args.channel_id === channel).length;
    writesPerS += writes.length / streamSeconds;
    const first = writes.find((c) => c.method === 'chat.startStream' || c.method === 'chat.postMessage');
    if (first) visible.push(first.at - (req.at + TTFT_MS));
    const expected = answerText(answerTokens, String(s.eventId).length);
    answers.set(s.eventId, expected);
    const shown = env.slack
      .threadReplies(channel, s.ts)
      .filter((m) => m.user === env.slack.botUserId)
      .map((m) => m.text)
      .join('\n');
    // Whitespace is ignored: a continuation message may start mid-word where an edit was held back.
    if (shown.replace(/\s+/g, '') !== expected.replace(/\s+/g, '')) {
      lost++;
      if (process.env.BENCH_DEBUG)
        console.error(
          JSON.stringify({
            channel,
            shown: shown.slice(-150),
            expected: expected.slice(-150),
            n: shown.length,
            m: expected.length,
            calls: env.slack.calls.filter((c) => c.args.channel === channel).map((c) => [c.method, c.ok, c.error]),
          }),
        );
    }
  }
  const row: LatencyRow = {
    threads,
    ackP50: median(sends.map((s) => s.ack)),
    ackP99: percentile(
      sends.map((s) => s.ack),
      99,
    ),
    modelP50: median(modelLat),
    modelP99: percentile(modelLat, 99),
    visibleP50: median(visible),
    visibleP99: percentile(visible, 99),
    callsPerAnswer: calls / threads,
    writesPerStreamS: writesPerS / threads,
    rateLimited: env.slack.rateLimitedCount(),
    lost,
  };
  await teardown(env);
  return row;
}

/** Zero-latency model, no Slack limits: how many turns one process completes per second, and its memory after. */
async function saturation(total: number, inFlight: number): Promise<{ turnsPerS: number; rssMb: number }> {
  const env = await environment('off');
  env.openai.setDefault(() => ({ kind: 'text', text: 'Short answer for the throughput run.', chunkSize: 64 }));
  const started = Date.now();
  let next = 0;
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        const res = await sendEvent(
          url(env),
          appMention({ user: 'U1', channel: channelId(i % 500), text: `<@${env.slack.botUserId}> q${i}` }),
          { signingSecret: SIGNING_SECRET, teamId: env.slack.teamId },
        );
        ids.push(res.eventId);
      }
    }),
  );
  const done = new Set<string>();
  await env.bot
    .waitFor((l) => {
      if (l.msg === 'turn finished') done.add(String(l.turn));
      return ids.every((id) => done.has(id));
    }, 120_000)
    .catch(() => undefined);
  for (const l of env.bot.lines) if (l.msg === 'turn finished') done.add(String(l.turn));
  const elapsed = (Date.now() - started) / 1000;
  const rssMb = env.bot.rssMb();
  await teardown(env);
  return { turnsPerS: done.size / elapsed, rssMb };
}

/** A 30-turn thread: input size per turn and the share of it that repeats the previous request's prefix. */
async function prefixShare(turns: number): Promise<{ lastInputTokens: number; share: number }> {
  const env = await environment('off');
  env.openai.setDefault((req) => ({
    kind: 'text',
    text: `Answer to turn ${((req.body?.input as unknown[] | undefined) ?? []).length}: ${'detail '.repeat(60)}`,
  }));
  const warmUpRequests = env.openai.responsesRequests().length;
  const root = appMention({
    user: 'U1',
    channel: channelId(0),
    text: `<@${env.slack.botUserId}> start ${'context '.repeat(80)}`,
  });
  const first = await sendEvent(url(env), root, {
    signingSecret: SIGNING_SECRET,
    teamId: env.slack.teamId,
    recordTo: env.slack,
  });
  await env.bot.waitFor((l) => l.msg === 'turn finished' && l.turn === first.eventId, 30_000);
  for (let t = 1; t < turns; t++) {
    const ev = messageEvent({
      user: 'U1',
      channel: channelId(0),
      thread_ts: String(root.ts),
      text: `follow-up ${t}: ${'more words '.repeat(40)}`,
    });
    const res = await sendEvent(url(env), ev, {
      signingSecret: SIGNING_SECRET,
      teamId: env.slack.teamId,
      recordTo: env.slack,
    });
    await env.bot.waitFor((l) => l.msg === 'turn finished' && l.turn === res.eventId, 30_000);
  }
  const serialized = env.openai
    .responsesRequests()
    .slice(warmUpRequests)
    .map((r) => JSON.stringify({ instructions: r.body.instructions, tools: r.body.tools, input: r.body.input }));
  let cached = 0;
  let totalChars = 0;
  for (let i = 1; i < serialized.length; i++) {
    const blockChars = 128 * CHARS_PER_TOKEN; // the cache matches in 128-token blocks
    cached += Math.floor(commonPrefix(serialized[i - 1]!, serialized[i]!) / blockChars) * blockChars;
    totalChars += serialized[i]!.length;
  }
  const last = env.openai.responsesRequests().at(-1)!;
  const lastInputTokens = Math.round(JSON.stringify(last.body.input).length / CHARS_PER_TOKEN);
  await teardown(env);
  return { lastInputTokens, share: cached / totalChars };
}

async function main(): Promise<void> {
  const began = Date.now();
  const answerTokens = Number(process.env.BENCH_ANSWER_TOKENS ?? 600);
  const rows: LatencyRow[] = [];
  // BENCH_THREADS=100 runs one latency scenario only (for profiling); the report needs all three.
  const sizes = process.env.BENCH_THREADS ? [Number(process.env.BENCH_THREADS)] : [1, 10, 100];
  for (const n of sizes) {
    rows.push(await latency(n, answerTokens));
    console.error(`latency ${n} done at ${((Date.now() - began) / 1000).toFixed(0)} s`);
  }
  const sat = await saturation(Number(process.env.BENCH_TURNS ?? 1000), 64);
  console.error(`saturation done at ${((Date.now() - began) / 1000).toFixed(0)} s`);
  const prefix = await prefixShare(30);
  const seconds = (Date.now() - began) / 1000;

  const table = [
    '| threads | ack p50 / p99 (ms) | event → model request p50 / p99 (ms) | first token → visible text p50 / p99 (ms) | Slack calls per answer | writes per s of streaming | Slack 429s | answers with lost text |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.threads} | ${fmt(r.ackP50)} / ${fmt(r.ackP99)} | ${fmt(r.modelP50)} / ${fmt(r.modelP99)} | ${fmt(r.visibleP50)} / ${fmt(r.visibleP99)} | ${fmt(r.callsPerAnswer)} | ${fmt(r.writesPerStreamS, 2)} | ${r.rateLimited} | ${r.lost} |`,
    ),
  ].join('\n');
  const report = `# Benchmarks

Command: \`npm run bench\` (${fmt(seconds, 0)} s). Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}.
The real bot runs as its own process in HTTP mode with real Redis, against the in-repo fakes: a simulated model
(time to first token ${TTFT_MS} ms, ${TOKENS_PER_S} tokens/s, ${answerTokens}-token answers) and a Slack fake that enforces
the published tier floors (startStream/stopStream Tier 2, appendStream Tier 4, chat.update Tier 3, postMessage ≈1/s per channel).

## Latency and Slack writes (N questions at once, one workspace, N channels)
${table}

## Throughput and memory (zero-latency model, no Slack limits)
| turns per second (one process) | RSS after ${process.env.BENCH_TURNS ?? 1000} threads (MB) |
|---|---|
| ${fmt(sat.turnsPerS)} | ${fmt(sat.rssMb)} |

## Prompt cache friendliness (30-turn thread)
| input tokens of turn 30 (≈ chars/4) | input in a prefix repeated from the previous request (128-token blocks) |
|---|---|
| ${prefix.lastInputTokens} | ${fmt(prefix.share * 100)} % |
`;
  // Everything below the notes marker is written by hand (targets, profiles, before/after) and kept.
  const path = resolve(import.meta.dirname, '../docs/benchmarks.md');
  const previous = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const notes = previous.includes(NOTES_MARKER) ? previous.slice(previous.indexOf(NOTES_MARKER)) : `${NOTES_MARKER}\n`;
  writeFileSync(path, `${report}\n${notes}`);
  console.log(report);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
