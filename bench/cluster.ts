// `npm run bench:cluster [-- --threads 1000 --follow-ups 200 --replicas 3 --in-flight 64]`: three Threadwise replicas
// (compiled, own processes) share one Redis deployment and answer 1,000 new threads plus 200 follow-ups in some of
// them, first on one redis-server, then on a 3-master / 3-replica Redis Cluster started for the run. Checks every
// question was answered exactly once and in order, then prints turns/s, event → model and event → first visible words
// (p50/p99), and Redis commands per turn (INFO total_commands_processed summed over the masters). Not a test.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { appMention, newEventId } from '../test/fakes/slack-events.js';
import { RedisCluster } from '../test/integration/cluster/topologies.js';
import { RedisServer } from '../test/integration/processes.js';
import { type Bot, makeBot } from './bots.js';
import { channelOf, Fakes, showsText, userId } from './fakes.js';
import { RedisMonitor } from './redis-monitor.js';
import { fmt, median, percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1000' },
    'follow-ups': { type: 'string', default: '200' },
    replicas: { type: 'string', default: '3' },
    'in-flight': { type: 'string', default: '64' },
  },
});
const THREADS = Number(values.threads);
const FOLLOW_UPS = Number(values['follow-ups']);
const REPLICAS = Number(values.replicas);
const IN_FLIGHT = Number(values['in-flight']);
const TURN_TIMEOUT_MS = 600_000;
const ANSWER = 'Short answer for the scale run.';

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

interface Question {
  tag: string;
  channel: string;
  threadTs: string;
  event: Record<string, unknown>;
  eventId: string;
  sentAt: number;
  doneAt: number;
  followUp: boolean;
}

export interface ScaleRow {
  redis: string;
  turns: number;
  turnsPerS: number;
  modelP50: number;
  modelP99: number;
  visibleP50: number;
  visibleP99: number;
  redisOpsPerTurn: number;
  /** Commands clients sent (not those run inside scripts) per turn, from MONITOR; NaN when not monitored. */
  clientCommandsPerTurn: number;
  /** Deliveries refused with a 5xx and delivered again (Slack retries those). */
  redelivered: number;
  /** The most frequent commands per turn. */
  topCommands: string;
  problems: string[];
}

/** Commands by name the given servers have processed since they started (INFO commandstats). */
async function commandsProcessed(ports: number[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const port of ports) {
    const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    const info = await r.info('commandstats');
    r.disconnect();
    for (const [, name, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
      counts.set(name!, (counts.get(name!) ?? 0) + Number(calls));
  }
  return counts;
}

/** Commands per turn between two readings: the total and the five most frequent. */
function perTurn(before: Map<string, number>, after: Map<string, number>, turns: number) {
  const diff = [...after].map(([name, n]) => [name, (n - (before.get(name) ?? 0)) / turns] as const);
  // The bench's own INFO readings are not the app's.
  const app = diff.filter(([name]) => name !== 'info' && name !== 'cluster|nodes');
  return {
    total: app.reduce((sum, [, n]) => sum + n, 0),
    top: app
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([name, n]) => `${name} ${fmt(n)}`)
      .join(', '),
  };
}

async function run(
  label: string,
  redisEnv: Record<string, string>,
  masters: () => Promise<number[]>,
  monitorUrl?: string,
): Promise<ScaleRow> {
  const fakes = await new Fakes('off').start();
  fakes.answerWith(() => ({ kind: 'text', text: ANSWER, chunkSize: 64 }));
  const keyPrefix = `twscale:${Date.now()}:`;
  const bots: Bot[] = Array.from({ length: REPLICAS }, () =>
    makeBot('threadwise-http', { fakes, redisUrl: '', redisEnv, keyPrefix }),
  );
  try {
    await Promise.all(bots.map((b) => b.start()));
    log(`${label}: ${REPLICAS} replicas up`);
    const roots: Question[] = Array.from({ length: THREADS }, (_, i) => {
      const tag = `s${i}`;
      const channel = `C0SCALE${i}`;
      const event = appMention({ user: userId(i), channel, text: `<@${fakes.slack.botUserId}> [${tag}] question?` });
      return {
        tag,
        channel,
        threadTs: String(event.ts),
        event,
        eventId: newEventId(),
        sentAt: 0,
        doneAt: 0,
        followUp: false,
      };
    });
    // Follow-ups in every fifth thread, sent right after its question: they must wait for the first answer.
    const follows: Question[] = roots.slice(0, FOLLOW_UPS).map((root, i) => {
      const tag = `f${i}`;
      const event = appMention({
        user: userId(i),
        channel: root.channel,
        thread_ts: root.threadTs,
        text: `<@${fakes.slack.botUserId}> [${tag}] and then?`,
      });
      return { ...root, tag, event, eventId: newEventId(), followUp: true };
    });
    const order = roots.flatMap((r, i) => (i < FOLLOW_UPS ? [r, follows[i]!] : [r]));
    // A follow-up is typed after its question was posted: it is delivered once the question's delivery is answered.
    const groups = roots.map((r, i) => (i < FOLLOW_UPS ? [r, follows[i]!] : [r]));
    const opsBefore = await commandsProcessed(await masters());
    // MONITOR tells the clients' own commands from those a script runs ("lua"): round trips are at most the former.
    const monitor = monitorUrl ? await new RedisMonitor(monitorUrl).start() : undefined;
    const startedAt = Date.now();
    let next = 0;
    let delivered = 0;
    let redelivered = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < groups.length) {
          for (const q of groups[next++]!) {
            q.sentAt = Date.now();
            // Round robin over the replicas, as a load balancer does; a refused delivery (5xx) is delivered again,
            // as Slack does, to the next replica.
            for (let attempt = 0; ; attempt++) {
              try {
                await bots[delivered++ % REPLICAS]!.deliver(q.event, q.eventId);
                break;
              } catch (err) {
                if (attempt >= 3) throw err;
                redelivered++;
              }
            }
          }
        }
      }),
    );
    log(`${label}: ${order.length} events acknowledged in ${Date.now() - startedAt} ms`);
    await Promise.all(
      order.map(async (q) => {
        q.doneAt = await Promise.any(bots.map((b) => b.finished(q.eventId, q.channel, TURN_TIMEOUT_MS)));
      }),
    );
    const lastDone = Math.max(...order.map((q) => q.doneAt));
    const opsAfter = await commandsProcessed(await masters());
    await monitor?.stop();
    const clientCommands = monitor
      ? monitor.between(startedAt, lastDone).filter((c) => c.source !== 'lua' && c.name !== 'INFO').length /
        order.length
      : Number.NaN;
    log(`${label}: all ${order.length} turns finished`);

    // Exactly once and in order: every thread shows its answer(s), each question reached the model once.
    const problems: string[] = [];
    const asked = new Map<string, number[]>();
    for (const r of fakes.openai.responsesRequests()) {
      const input = JSON.stringify(r.body?.input ?? '');
      const tags = [...input.matchAll(/\[([sf]\d+)\]/g)].map((m) => m[1]!);
      const tag = tags.at(-1);
      if (tag) asked.set(tag, [...(asked.get(tag) ?? []), r.at]);
    }
    for (const q of order)
      if ((asked.get(q.tag)?.length ?? 0) !== 1) problems.push(`${q.tag} asked ${asked.get(q.tag)?.length ?? 0}×`);
    for (const [i, root] of roots.entries()) {
      const shown = fakes.slack.threadReplies(root.channel, root.threadTs).map((m) => m.text);
      const want = i < FOLLOW_UPS ? 2 : 1;
      if (shown.length !== want || shown.some((t) => t !== ANSWER)) problems.push(`${root.tag} shows ${shown.length}`);
      if (i < FOLLOW_UPS && (asked.get(`f${i}`)?.[0] ?? 0) < (asked.get(root.tag)?.[0] ?? Infinity))
        problems.push(`f${i} ran before its question`);
    }

    const writes = new Map<string, number[]>();
    for (const c of fakes.slack.calls) {
      const ch = channelOf(c);
      if (ch && showsText(c)) writes.set(ch, [...(writes.get(ch) ?? []), c.at]);
    }
    const model = order.map((q) => (asked.get(q.tag)?.[0] ?? Number.NaN) - q.sentAt);
    const visible = order.map((q) => {
      const modelAt = asked.get(q.tag)?.[0] ?? Number.NaN;
      const first = writes.get(q.channel)?.find((at) => at >= modelAt);
      return first === undefined ? Number.NaN : first - q.sentAt;
    });
    const finite = (xs: number[]) => xs.filter(Number.isFinite);
    return {
      redis: label,
      turns: order.length,
      turnsPerS: order.length / ((lastDone - startedAt) / 1000),
      modelP50: median(finite(model)),
      modelP99: percentile(finite(model), 99),
      visibleP50: median(finite(visible)),
      visibleP99: percentile(finite(visible), 99),
      ...(({ total, top }) => ({ redisOpsPerTurn: total, topCommands: top }))(
        perTurn(opsBefore, opsAfter, order.length),
      ),
      clientCommandsPerTurn: clientCommands,
      redelivered,
      problems,
    };
  } finally {
    await Promise.all(bots.map((b) => b.stop()));
    await fakes.close();
  }
}

export function scaleTable(rows: ScaleRow[]): string {
  const lines = [
    '| Redis | turns | turns/s | event → model p50 / p99 (ms) | event → first words p50 / p99 (ms) | Redis commands / turn (in scripts too) | sent by clients / turn | redelivered after a 5xx | exactly once, in order |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.redis} | ${r.turns} | ${fmt(r.turnsPerS)} | ${fmt(r.modelP50, 0)} / ${fmt(r.modelP99, 0)} | ${fmt(r.visibleP50, 0)} / ${fmt(r.visibleP99, 0)} | ${fmt(r.redisOpsPerTurn)} | ${fmt(r.clientCommandsPerTurn)} | ${r.redelivered} | ${r.problems.length ? `no: ${r.problems.slice(0, 3).join('; ')}` : 'yes'} |`,
    );
  lines.push('', 'Most frequent Redis commands per turn:', '');
  for (const r of rows) lines.push(`- ${r.redis}: ${r.topCommands}`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
  const rows: ScaleRow[] = [];
  const single = await new RedisServer({ appendOnly: false }).start();
  try {
    rows.push(await run('one redis-server', { REDIS_URL: single.url }, async () => [single.port]));
  } finally {
    await single.stop();
  }
  // The same on one server with MONITOR on (slower: its numbers are only for the commands clients sent).
  const watched = await new RedisServer({ appendOnly: false }).start();
  try {
    rows.push(
      await run('one redis-server, MONITOR on', { REDIS_URL: watched.url }, async () => [watched.port], watched.url),
    );
  } finally {
    await watched.stop();
  }
  const cluster = await new RedisCluster().start();
  try {
    rows.push(
      await run('Cluster, 3 masters + 3 replicas', { REDIS_CLUSTER_NODES: cluster.seeds }, async () => {
        const ports: number[] = [];
        for (const s of cluster.servers) if (await isMaster(s.port)) ports.push(s.port);
        return ports;
      }),
    );
  } finally {
    await cluster.stop();
  }
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim();
  process.stdout.write(
    `${REPLICAS} replicas (HTTP), ${THREADS} threads + ${FOLLOW_UPS} follow-ups, ${IN_FLIGHT} deliveries in flight; ${cpus().length} cores; ${load}\n\n${scaleTable(rows)}\n`,
  );
}

async function isMaster(port: number): Promise<boolean> {
  const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  const info = await r.info('replication');
  r.disconnect();
  return info.includes('role:master');
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
