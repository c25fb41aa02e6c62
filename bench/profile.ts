// `npx tsx bench/profile.ts [--out dir]` (after `npm run build`): profiles Threadwise (HTTP, compiled) in three
// processes: start-up, one 50-burst of streamed answers (cold, then warm), one 300-short-turn run; with the CPU
// profile (node --cpu-prof) cut to each window, Redis MONITOR, the event-loop delay and the Slack calls per turn.
// Prints Markdown; the .cpuprofile files stay in --out for DevTools or speedscope.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RedisServer } from '../test/integration/processes.js';
import { type Bot, makeBot } from './bots.js';
import type { Probe } from './child.js';
import { type CpuProfile, selfTime, top } from './cpu-profile.js';
import { Fakes } from './fakes.js';
import { type Command, countByName, RedisMonitor, roundTrips } from './redis-monitor.js';
import { ask, type Measured } from './scenarios.js';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ?? mkdtempSync(join(tmpdir(), 'tw-profile-'));
const print = (s = '') => process.stdout.write(`${s}\n`);

async function withBot(name: string, redisUrl: string, run: (bot: Bot, fakes: Fakes) => Promise<Probe[]>) {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  const fakes = await new Fakes('off').start();
  const bot = makeBot('threadwise-http', { fakes, redisUrl, nodeOptions: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  const startupMs = await bot.start();
  try {
    const probes = await run(bot, fakes);
    return { startupMs, probes, fakes };
  } finally {
    await bot.stop();
    await fakes.close();
    // read after stop: the profile is written at exit
  }
}

function profileIn(name: string): CpuProfile {
  const dir = join(out, name);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}

function window(m: Measured): [number, number] {
  return [m.startedAt, Math.max(...m.samples.map((s) => s.doneAt))];
}

function section(
  title: string,
  m: Measured,
  from: Probe,
  to: Probe,
  cpu: CpuProfile,
  redis: RedisMonitor,
  fakes: Fakes,
) {
  const turns = m.samples.length;
  const [a, b] = window(m);
  const t = selfTime(cpu, from.monoUs, to.monoUs);
  const cmds = redis.between(a, b);
  const slack = new Map<string, number>();
  for (const c of fakes.slack.calls) if (c.at >= a && c.at <= b) slack.set(c.method, (slack.get(c.method) ?? 0) + 1);
  print(`### ${title}`);
  print(
    `CPU ${(t.totalUs / 1000 / turns).toFixed(1)} ms per turn (profile), event-loop delay p99 ${m.loopP99Ms} ms, max ${m.loopMaxMs} ms; ${(m.cpuMs / turns).toFixed(2)} ms per turn by process.cpuUsage (the bench's measure).`,
  );
  print(`Profile window (the child's monotonic µs, for other tools on the .cpuprofile): ${from.monoUs}–${to.monoUs}.`);
  print('\nTop self time per turn, by function:\n```');
  for (const l of top(t.functions, 25, turns)) print(l);
  print('```\nBy origin:\n```');
  for (const l of top(t.origins, 15, turns)) print(l);
  const fromClients = cmds.filter((c) => c.source !== 'lua');
  print('```');
  print(
    `Redis: ${(fromClients.length / turns).toFixed(1)} commands per turn from clients (+${((cmds.length - fromClients.length) / turns).toFixed(1)} run inside scripts):`,
  );
  print(
    `${[...countByName(fromClients)]
      .sort((x, y) => y[1] - x[1])
      .map(([k, v]) => `${k} ${(v / turns).toFixed(1)}`)
      .join(', ')}`,
  );
  print(`\nSlack calls per turn: ${[...slack].map(([k, v]) => `${k} ${(v / turns).toFixed(2)}`).join(', ')}\n`);
}

/** One turn's Redis commands between the event and the model request, with the gaps that show what was awaited. */
function chain(m: Measured, redis: RedisMonitor): void {
  const s = m.samples[0]!;
  const modelAt = s.sentAt + s.modelMs;
  const cmds = redis.between(s.sentAt, modelAt).filter((c: Command) => c.source !== 'lua');
  print(
    `### One warm turn, event → model request (${s.modelMs} ms; ack after ${s.ackMs.toFixed(1)} ms): ${cmds.length} Redis commands in at most ${roundTrips(cmds)} round trips awaited in series (a gap of > 0.3 ms starts one; BullMQ's background calls count too)`,
  );
  print('```');
  for (const c of cmds)
    print(
      `+${(c.at * 1000 - s.sentAt).toFixed(1).padStart(6)} ms  ${c.source.padEnd(16)} ${c.name} ${c.key.slice(0, 60)}`,
    );
  print('```\n');
}

const IMPORT_ONE = `const rss = process.memoryUsage().rss; const t = performance.now(); await import(process.argv[1]);
console.log(JSON.stringify({ ms: performance.now() - t, mb: (process.memoryUsage().rss - rss) / 2 ** 20 }));`;

/** What importing each dependency alone costs a fresh node (time and RSS): the start-up bill by package. */
function importCosts(): void {
  const root = resolve(import.meta.dirname, '..');
  const deps = Object.keys(
    (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies,
  );
  // A package without a root export (@modelcontextprotocol/sdk: subpaths only) cannot be imported by name; skipped.
  const rows = deps.flatMap((d) => {
    try {
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', IMPORT_ONE, d], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      return [{ d, ...(JSON.parse(out) as { ms: number; mb: number }) }];
    } catch {
      return [];
    }
  });
  print('Importing each dependency alone in a fresh node (ms / MB of RSS):\n```');
  for (const r of rows.sort((a, b) => b.ms - a.ms))
    print(`${r.ms.toFixed(0).padStart(5)} ms ${r.mb.toFixed(1).padStart(6)} MB  ${r.d}`);
  print('```\n');
}

async function main(): Promise<void> {
  const redisServer = await new RedisServer({ appendOnly: false }).start();
  const redis = await new RedisMonitor(redisServer.url).start();
  try {
    const boot = await withBot('startup', redisServer.url, async (bot) => [await bot.probe()]);
    const startCpu = profileIn('startup');
    const s = selfTime(startCpu, startCpu.startTime, boot.probes[0]!.monoUs);
    print(
      `### Start-up (spawn → /readyz 200: ${boot.startupMs.toFixed(0)} ms; CPU in the profile ${(s.totalUs / 1000).toFixed(0)} ms)`,
    );
    print('```');
    for (const l of top(s.origins, 20)) print(l);
    print('```\n');
    importCosts();

    let burst: Measured[] = [];
    const b = await withBot('burst50', redisServer.url, async (bot, fakes) => {
      const p0 = await bot.probe();
      const cold = await ask(bot, fakes, 50, 50, 'streamed');
      const p1 = await bot.probe();
      const warm = await ask(bot, fakes, 50, 50, 'streamed');
      const p2 = await bot.probe();
      burst = [cold, warm];
      return [p0, p1, p2];
    });
    const burstCpu = profileIn('burst50');
    section(
      '50 streamed answers at once, straight after start (cold)',
      burst[0]!,
      b.probes[0]!,
      b.probes[1]!,
      burstCpu,
      redis,
      b.fakes,
    );
    section(
      '50 streamed answers at once, again (warm)',
      burst[1]!,
      b.probes[1]!,
      b.probes[2]!,
      burstCpu,
      redis,
      b.fakes,
    );

    let short: Measured[] = [];
    const sh = await withBot('short300', redisServer.url, async (bot, fakes) => {
      await ask(bot, fakes, 1, 1, 'short');
      const single = await ask(bot, fakes, 1, 1, 'short');
      const p0 = await bot.probe();
      const many = await ask(bot, fakes, 300, 300, 'short');
      const p1 = await bot.probe();
      short = [single, many];
      return [p0, p1];
    });
    chain(short[0]!, redis);
    section(
      '300 short turns at once (after two single turns)',
      short[1]!,
      sh.probes[0]!,
      sh.probes[1]!,
      profileIn('short300'),
      redis,
      sh.fakes,
    );
    print(`CPU profiles: ${out}`);
  } finally {
    await redis.stop();
    await redisServer.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
