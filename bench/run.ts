// `npm run bench [-- --peer <dir>] [--reps N] [--sizes 1,10,50,100] [--apps ...] [--slack-limits tiers]`:
// Threadwise (compiled, as its own process, real Redis) and, with --peer, Slack's bolt-js-assistant-template (started
// with its own `npm start`) against the same in-repo fakes in one run; writes the side-by-side table (medians over the
// repetitions) to docs/benchmarks.md above its hand-written notes, and prints it. Not part of the tests.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RedisServer } from '../test/integration/processes.js';
import { BOT_LABEL, type BotKind, makeBot } from './bots.js';
import type { Probe } from './child.js';
import { Fakes } from './fakes.js';
import { prefixShare } from './prefix-share.js';
import { detail, emptyRuns, headline, type Memory, type Runs } from './report.js';
import { ask, STREAM_S, summarize, TTFT_MS } from './scenarios.js';
import { fmt } from './stats.js';

const { values } = parseArgs({
  options: {
    peer: { type: 'string' },
    reps: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '1,10,50,100' },
    apps: { type: 'string' },
    'slack-limits': { type: 'string', default: 'off' },
  },
});
const reps = Number(values.reps);
const sizes = values.sizes.split(',').map(Number);
const slackLimits = values['slack-limits'] === 'tiers' ? 'tiers' : 'off';
const apps = (values.apps?.split(',') ??
  (values.peer
    ? ['template', 'threadwise-socket', 'threadwise-http']
    : ['threadwise-socket', 'threadwise-http'])) as BotKind[];
const NOTES_MARKER = '<!-- notes: kept by npm run bench -->';
const SATURATION = '300 short at once';
const LOOP = 'closed loop 1,000 @ 64';
const scenarios = [...sizes.flatMap((n) => [`burst ${n} cold`, `burst ${n} warm`]), SATURATION, LOOP];

const load = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const memory = (p: Probe): Memory => ({
  rssMb: p.rss / 2 ** 20,
  heapUsedMb: p.heapUsed / 2 ** 20,
  heapTotalMb: p.heapTotal / 2 ** 20,
});

function record(runs: Runs, name: string, row: ReturnType<typeof summarize>): void {
  runs.scenarios.set(name, [...(runs.scenarios.get(name) ?? []), row]);
  log(
    `  ${name}: ack p50 ${fmt(row.ackP50)} ms, model p50 ${fmt(row.modelP50)} ms, words p50 ${fmt(row.visibleP50)} ms, ${fmt(row.turnsPerS)} turns/s, ${fmt(row.cpuMsPerTurn)} CPU ms/turn`,
  );
}

/**
 * One process from a cold start: start-up, idle memory, an N-burst straight after start (cold) and again (warm);
 * the last start of a repetition then runs the saturation and the closed loop, and reads memory after 1,000 threads.
 */
async function oneStart(kind: BotKind, n: number, last: boolean, runs: Runs, redisUrl: string): Promise<string[]> {
  const fakes = await new Fakes(slackLimits).start();
  const redis = new Redis(redisUrl);
  await redis.flushall(); // the bench's own redis-server: every start begins with an empty store
  await redis.quit();
  const bot = makeBot(kind, { fakes, redisUrl, ...(values.peer ? { peerDir: values.peer } : {}) });
  try {
    runs.startupMs.push(await bot.start());
    runs.idle.push(memory(await bot.probe()));
    record(runs, `burst ${n} cold`, summarize(await ask(bot, fakes, n, n, 'streamed')));
    record(runs, `burst ${n} warm`, summarize(await ask(bot, fakes, n, n, 'streamed')));
    if (last) {
      record(runs, SATURATION, summarize(await ask(bot, fakes, 300, 300, 'short')));
      record(runs, LOOP, summarize(await ask(bot, fakes, 1000, 64, 'short')));
      runs.after1000.push(memory(await bot.probe()));
    }
    return bot.blocked();
  } finally {
    await bot.stop();
    await fakes.close();
  }
}

/** Threadwise only (the template sends the model just the current message): how cache-friendly a long thread is. */
async function promptCache(redisUrl: string): Promise<string> {
  const fakes = await new Fakes(slackLimits).start();
  const bot = makeBot('threadwise-http', { fakes, redisUrl });
  try {
    await bot.start();
    const r = await prefixShare(bot, fakes);
    return `| ${r.lastInputTokens} | ${fmt(r.share * 100)} % |`;
  } finally {
    await bot.stop();
    await fakes.close();
  }
}

async function main(): Promise<void> {
  const began = Date.now();
  const loadBefore = load();
  const redis = await new RedisServer({ appendOnly: false }).start();
  const runs = new Map<BotKind, Runs>(apps.map((a) => [a, emptyRuns()]));
  const blocked = new Set<string>();
  let cache = '';
  try {
    // Repetitions interleave the apps, so a change in the machine's load falls on all of them alike.
    for (let rep = 1; rep <= reps; rep++)
      for (const kind of apps)
        for (const [i, n] of sizes.entries()) {
          log(`rep ${rep}/${reps} ${BOT_LABEL[kind]} start ${i + 1}/${sizes.length}`);
          for (const b of await oneStart(kind, n, i === sizes.length - 1, runs.get(kind)!, redis.url)) blocked.add(b);
        }
    cache = apps.includes('threadwise-http') ? await promptCache(redis.url) : '| n/a | n/a |';
  } finally {
    await redis.stop();
  }
  const loadAfter = load();
  const warm50 = sizes.includes(50) ? 'burst 50 warm' : `burst ${sizes.at(-1)} warm`;
  const args = process.argv.slice(2).map((a) => (a === values.peer ? '<dir>' : a));
  const report = `# Benchmarks

Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Run took ${fmt((Date.now() - began) / 60_000, 1)} min.
Command: \`npm run bench -- ${args.join(' ')}\` (${reps} repetitions, medians).
Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}; shared with other work:
- before: \`${loadBefore}\`
- after: \`${loadAfter}\`
Threadwise runs compiled (\`node dist/main.js\`, NODE_ENV=production, default settings) against its own redis-server;
the template runs with its own \`npm start\`. Both use the same fakes in the bench process: Slack (rate limits ${slackLimits}),
OpenAI (tier-5 limits; streamed answers: first token after ${TTFT_MS} ms, then ${STREAM_S} s of deltas; short answers at once).
Every node process the bench starts has a preload that refuses non-loopback connections${blocked.size ? ` (refused: ${[...blocked].join(', ')})` : ' (none were attempted)'}.

## Side by side (${warm50} unless named)
${headline(runs, warm50)}

## Every scenario
${detail(runs, scenarios)}

## Prompt cache friendliness (Threadwise, one 30-turn thread, once per run)
| input tokens of turn 30 (≈ chars/4) | input in a prefix repeated from the previous request (128-token blocks) |
|---|---|
${cache}
`;
  // Everything below the notes marker is written by hand (profiles, before/after) and kept.
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
