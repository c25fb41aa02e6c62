import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { SlackRateGate, SlackRateGates } from '../../../../src/platform/slack/rate-gate.js';
import { RedisRateShare } from '../../../../src/platform/slack/redis-rate-share.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, prefix } = testRedis();

describe('Slack rate limits shared by replicas', () => {
  it("holds back a method on every replica after one replica's 429, only in that workspace", async () => {
    const redisShare = new RedisRateShare(redis, storeKeys(prefix));
    // The publish is fire-and-forget: the test awaits the write itself instead of a pause.
    const published: Array<Promise<void>> = [];
    const store = {
      until: (team: string, method: string) => redisShare.until(team, method),
      publish: (team: string, method: string, until: number) => {
        const p = redisShare.publish(team, method, until);
        published.push(p);
        return p;
      },
    };
    const share = {
      store,
      onError: (err: Error) => {
        throw err;
      },
    };
    const replicaA = new SlackRateGates(share);
    const replicaB = new SlackRateGates(share);
    const limitedAt = Date.now();
    replicaA.for('T1').limited('chat.update', 1);
    expect(published).toHaveLength(1);
    await Promise.all(published);
    await replicaB.for('T2').wait('chat.update');
    expect(replicaB.for('T2').readyAt('chat.update')).toBe(0);
    await replicaB.for('T1').wait('chat.update');
    const until = replicaB.for('T1').readyAt('chat.update');
    expect(until).toBeGreaterThanOrEqual(limitedAt + 1_000);
    expect(Date.now()).toBeGreaterThanOrEqual(until);
  });
});

describe('sharing a workspace budget among replies that stream at once', () => {
  it('spaces each reply so that all of them together stay under the per-minute limit', () => {
    let now = 1_000_000;
    const gate = new SlackRateGate(() => now);
    expect(gate.spacing('chat.appendStream')).toBe(0);
    const writers = Array.from({ length: 20 }, () => ({}));
    for (const w of writers) gate.called('chat.appendStream', w);
    // Until Slack pushes back, replies write at their own pace (the tiers are floors).
    expect(gate.spacing('chat.appendStream')).toBe(0);
    gate.limited('chat.appendStream', 1);
    gate.limited('chat.update', 1);
    // Then Tier 4's 100 appends a minute are shared: 20 replies get one every 12 s each.
    expect(gate.spacing('chat.appendStream')).toBe(12_000);
    gate.called('chat.update', writers[0]!);
    expect(gate.spacing('chat.update')).toBe(1_200);
    // Replies that stopped writing leave the budget to the others.
    now += 6_000;
    gate.called('chat.appendStream', writers[0]!);
    expect(gate.spacing('chat.appendStream')).toBe(600);
    expect(gate.spacing('chat.postMessage')).toBe(0);
    // Two quiet minutes later, they write freely again.
    now += 121_000;
    gate.called('chat.appendStream', writers[0]!);
    expect(gate.spacing('chat.appendStream')).toBe(0);
  });

  it('lets go of a finished reply even when Slack never pushed back', async () => {
    // A real collection, not a pause: the gate must not be what keeps a reply (and its text) in memory.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let now = 1_000_000;
    const gate = new SlackRateGate(() => now);
    const finished = new WeakRef(
      (() => {
        const reply = { text: 'x'.repeat(100_000) };
        gate.called('chat.appendStream', reply);
        return reply;
      })(),
    );
    now += 6_000;
    gate.called('chat.appendStream', {}); // another reply, still streaming
    await new Promise((r) => setImmediate(r));
    gc();
    expect(finished.deref()).toBeUndefined();
  });
});
