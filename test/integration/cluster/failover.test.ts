import { afterEach, describe, expect, it } from 'vitest';
import { storeKeys } from '../../../src/platform/store/keys.js';
import type { ThreadKey } from '../../../src/turn/thread.js';
import { SIGNAL_TIMEOUT_MS } from '../../support/wait.js';
import { Harness } from '../harness.js';
import { RedisCluster, RedisSentinels } from './topologies.js';

// Real Redis processes started by the test on loopback ports: a 3-master / 3-replica Cluster, and a Sentinel group
// (1 master, 1 replica, 3 sentinels). The master that holds a busy thread is killed with kill -9 mid-answer.
const CH = 'C0SUP1';
const LONG = `${Array.from({ length: 50 }, (_, i) => `word${i}`).join(' ')}.`;
// The bots run with the default queue.lock_ms (30 s), which outlasts a failover (a few seconds here), as
// docs/deployment.md asks: the running attempt keeps its locks and finishes its answer.

let h: Harness | undefined;
let cluster: RedisCluster | undefined;
let sentinels: RedisSentinels | undefined;
afterEach(async () => {
  await h?.stop();
  await cluster?.stop();
  await sentinels?.stop();
  h = cluster = sentinels = undefined;
});

const readyz = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
const readyzBecomes = (port: number, status: number, what: string) =>
  expect.poll(() => readyz(port), { timeout: SIGNAL_TIMEOUT_MS, interval: 50, message: what }).toBe(status);

/** The model's answers name their question; the long one streams slowly the first time only (time to kill). */
function answers(harness: Harness): void {
  const asked = new Map<string, number>();
  harness.openai.setDefault((req) => {
    const input = req.body.input as Array<{ role?: string; content?: Array<{ text?: string }> }>;
    const q = String(input.filter((i) => i.role === 'user').at(-1)?.content?.[0]?.text ?? '')
      .replace(/^[^:]+: /, '')
      .replace(/<@\w+>\s*/, '');
    const n = (asked.get(q) ?? 0) + 1;
    asked.set(q, n);
    if (q.startsWith('long'))
      return n === 1
        ? { kind: 'text', text: `${q}: ${LONG}`, chunkSize: 5, deltaDelayMs: 60 }
        : { kind: 'text', text: `${q}: ${LONG}` };
    return { kind: 'text', text: `Answer to ${q}.` };
  });
}

/** Everything the person reads in a thread, the interruption note taken out (a resumed answer may carry it). */
const visible = (harness: Harness, ts: string) =>
  harness.replies(CH, ts).map((m) =>
    String(m.text)
      .replace(/\s*_↻[^_]*_\s*/g, '')
      .trim(),
  );

/**
 * A busy thread: a slow answer streaming and a follow-up queued behind it; the Redis master is killed once the
 * answer is visibly half-way. Afterwards: both answered once, in order, and the bot takes new questions.
 */
async function busyThreadSurvives(harness: Harness, rootTs: string, failover: () => Promise<void>): Promise<void> {
  answers(harness);
  // The queue's own connections may still be asking the sentinels for the master: ready once they have it.
  await readyzBecomes(harness.port, 200, '/readyz to pass once connected');
  const first = await harness.mention({ text: 'long question', ts: rootTs });
  expect(first.status).toBe(200);
  await harness.until(() => (harness.replies(CH, rootTs)[0]?.text ?? '').includes('word5'), 'a half-streamed answer');
  const follow = await harness.mention({ text: 'follow-up', thread_ts: rootTs });
  expect(follow.status).toBe(200);

  await failover();

  await harness.turnFinished(first.eventId);
  await harness.turnFinished(follow.eventId);
  // The bot reconnected by itself: a new question is answered by the same process.
  const after = await harness.mention({ text: 'after the failover' });
  await harness.turnFinished(after.eventId);
  await harness.settled();

  expect(visible(harness, rootTs)).toEqual([`long question: ${LONG}`, 'Answer to follow-up.']);
  const asked = harness.openai.responsesRequests().map((r) => JSON.stringify(r.body.input));
  // The follow-up was asked once, with the whole first answer in its history (turns stayed in order).
  const followUps = asked.filter((a) => a.includes('follow-up'));
  expect(followUps).toHaveLength(1);
  expect(followUps[0]).toContain(`long question: ${LONG}`);
  expect(asked.filter((a) => a.includes('after the failover'))).toHaveLength(1);
}

describe('a Redis Cluster (3 masters, 3 replicas)', () => {
  it('finishes a busy thread once and in order when the master holding it is killed, and /readyz says so', async () => {
    cluster = await new RedisCluster().start();
    h = await new Harness({ redis: false, env: { REDIS_CLUSTER_NODES: cluster.seeds } }).start();
    const keys = storeKeys(h.prefix);
    // The hardest case: the thread's slot on the same master as the turn queue, so both fail over at once.
    const queueMaster = await cluster.masterOf(`${keys.bull}:turns:wait`);
    let rootTs = '';
    for (let i = 0; !rootTs; i++) {
      const ts = `${1_800_000_000 + i}.000100`;
      const key: ThreadKey = { teamId: h.slack.teamId, channel: CH, threadTs: ts };
      if ((await cluster.masterOf(keys.thread(key))) === queueMaster) rootTs = ts;
    }
    const c = cluster;
    const bot = h;
    await busyThreadSurvives(h, rootTs, async () => {
      await queueMaster.kill();
      await readyzBecomes(bot.port, 503, '/readyz to fail while a master is gone');
      await c.healthy('a replica to take over the killed master');
      await readyzBecomes(bot.port, 200, '/readyz to recover after the failover');
    });
  });
});

describe('Redis Sentinel (1 master, 1 replica, 3 sentinels)', () => {
  it('finishes a busy thread once and in order when the master is killed, and /readyz says so', async () => {
    sentinels = await new RedisSentinels().start();
    h = await new Harness({
      redis: false,
      env: { REDIS_SENTINELS: sentinels.seeds, REDIS_SENTINEL_NAME: sentinels.name },
    }).start();
    const s = sentinels;
    const bot = h;
    await busyThreadSurvives(h, '1800000000.000200', async () => {
      const old = await s.masterPort();
      await s.master.kill();
      await readyzBecomes(bot.port, 503, '/readyz to fail while the master is gone');
      await s.failedOverFrom(old);
      await readyzBecomes(bot.port, 200, '/readyz to recover after the failover');
    });
  });
});
