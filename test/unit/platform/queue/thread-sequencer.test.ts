import { describe, expect, it } from 'vitest';
import { FRESH_PLACE_MS, ThreadSequencer, tsScore } from '../../../../src/platform/queue/thread-sequencer.js';
import type { TurnJob } from '../../../../src/platform/queue/types.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, prefix } = testRedis();
const seq = new ThreadSequencer(redis, storeKeys(prefix));
const thread = (ts: string) => ({ teamId: 'T1', channel: 'C1', threadTs: ts });

describe('per-thread order across replicas', () => {
  it('scores Slack timestamps exactly, to the microsecond', () => {
    expect(tsScore('1795656192.454001') - tsScore('1795656192.454000')).toBe(1);
    expect(tsScore('1700000000.1')).toBe(1_700_000_000_100_000);
  });

  it('lets only the first arrival run, then the next once the first is done', async () => {
    const t = thread('1.1');
    await seq.admit(t, 'a', '1700000000.000100');
    await seq.admit(t, 'b', '1700000000.000200');
    await seq.admit(t, 'a', '1700000000.000100'); // a redelivery does not queue twice
    expect(await seq.tryRun(t, 'b', 'tok-b', 5_000)).toEqual({ kind: 'behind', head: 'a' });
    expect(await seq.tryRun(t, 'a', 'tok-a', 5_000)).toEqual({ kind: 'run' });
    await seq.release(t, 'a', 'tok-a', true);
    expect(await seq.tryRun(t, 'b', 'tok-b', 5_000)).toEqual({ kind: 'run' });
    expect(await seq.tryRun(t, 'c', 'tok-c', 5_000)).toEqual({ kind: 'unadmitted' });
  });

  it('answers messages in the order they were written, even when their events arrive the other way round', async () => {
    const t = thread('4.4');
    await seq.admit(t, 'follow-up', '1700000000.000002');
    await seq.admit(t, 'first', '1700000000.000001');
    expect(await seq.tryRun(t, 'follow-up', 'tok-f', 5_000)).toEqual({ kind: 'behind', head: 'first' });
    expect(await seq.tryRun(t, 'first', 'tok-1', 5_000)).toEqual({ kind: 'run' });
  });

  it('keeps the thread locked while the lock is renewed, and frees it by itself after a crash', async () => {
    const t = thread('2.2');
    const lock = storeKeys(prefix).threadLock(t);
    await seq.admit(t, 'a', '1700000000.000100');
    expect(await seq.tryRun(t, 'a', 'attempt-1', 1_000)).toEqual({ kind: 'run' });
    // The lock carries its lifetime in Redis, so it ends by itself when nobody renews it.
    const first = await redis.pttl(lock);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(1_000);
    // Renewed, the lock outlives its original expiry.
    expect(await seq.renew(t, 'attempt-1', 60_000)).toBe(true);
    expect(await redis.pttl(lock)).toBeGreaterThan(1_000);
    // A second attempt of the same turn (its first process looked dead) must wait while the lock lives.
    expect(await seq.tryRun(t, 'a', 'attempt-2', 300)).toEqual({ kind: 'locked' });
    // The first process dies: no more renewals, and the lifetime runs out (Redis deletes the key then; done
    // here at once instead of waiting a minute). The retry runs.
    await redis.del(lock);
    expect(await seq.tryRun(t, 'a', 'attempt-2', 300)).toEqual({ kind: 'run' });
    // The dead attempt can neither renew nor release the new holder's lock.
    expect(await seq.renew(t, 'attempt-1', 300)).toBe(false);
    await seq.release(t, 'a', 'attempt-1', false);
    expect(await seq.tryRun(t, 'a', 'attempt-3', 300)).toEqual({ kind: 'locked' });
  });

  it('moves past a head whose job is over', async () => {
    const t = thread('3.3');
    await seq.admit(t, 'gone', '1700000000.000100');
    await seq.admit(t, 'next', '1700000000.000200');
    // 'gone' took its place a while ago (written here instead of waiting two seconds).
    await redis.hset(storeKeys(prefix).threadPlaced(t), 'gone', Date.now() - FRESH_PLACE_MS - 1_000);
    expect(await seq.dropHead(t, 'next')).toBe(false);
    expect(await seq.dropHead(t, 'gone')).toBe(true);
    expect(await seq.tryRun(t, 'next', 'tok', 5_000)).toEqual({ kind: 'run' });
  });

  it('keeps a head that took its place a moment ago, whose job may still be on its way', async () => {
    const t = thread('5.5');
    await seq.admit(t, 'arriving', '1700000000.000100');
    await seq.admit(t, 'next', '1700000000.000200');
    expect(await seq.dropHead(t, 'arriving')).toBe(false);
    expect(await seq.tryRun(t, 'next', 'tok', 5_000)).toEqual({ kind: 'behind', head: 'arriving' });
  });

  it('forgets when a job took its place once the job is done', async () => {
    const t = thread('6.6');
    const placed = storeKeys(prefix).threadPlaced(t);
    await seq.admit(t, 'a', '1700000000.000100');
    expect(Number(await redis.hget(placed, 'a'))).toBeGreaterThan(Date.now() - 60_000);
    expect(await seq.tryRun(t, 'a', 'tok-a', 5_000)).toEqual({ kind: 'run' });
    await seq.release(t, 'a', 'tok-a', true);
    expect(await redis.hget(placed, 'a')).toBeNull();
  });
});

describe('accepting a turn in one step before the ack', () => {
  const keys = storeKeys(prefix);
  const job = (id: string, t: ReturnType<typeof thread>, ts: string): TurnJob => ({
    id,
    key: t,
    isDm: false,
    userId: 'U1',
    messageTs: ts,
    text: `question ${id}`,
    receivedAt: 1,
  });
  const claim = (messageId: string) => ({ messageId, ttlSeconds: 60 });

  it('starts the first delivery of a message and writes nothing for its second (app_mention + message)', async () => {
    const t = thread('7.7');
    const mention = job('EvMention', t, '1700000000.000100');
    const message = job('EvMessage', t, '1700000000.000100');
    expect(
      await seq.accept(mention, { claim: claim('msg:T1:C1:1700000000.000100'), lockToken: 'r1', lockMs: 5_000 }),
    ).toBe('run');
    expect(
      await seq.accept(message, { claim: claim('msg:T1:C1:1700000000.000100'), lockToken: 'r2', lockMs: 5_000 }),
    ).toBe('duplicate');
    expect(await redis.zrange(keys.threadQueue(t), '0', '-1')).toEqual(['EvMention']);
    expect(await redis.hkeys(keys.turnRecords(t))).toEqual(['EvMention']);
    expect(await redis.get(keys.threadLock(t))).toBe('r1');
    expect(JSON.parse((await seq.record(t, 'EvMention'))!)).toEqual(mention);
  });

  it('queues a turn behind a busy thread, and one that asks for no lock (no free slot)', async () => {
    const t = thread('8.8');
    expect(await seq.accept(job('a', t, '1700000000.000100'), { lockToken: 'ra', lockMs: 5_000 })).toBe('run');
    expect(await seq.accept(job('b', t, '1700000000.000200'), { lockToken: 'rb', lockMs: 5_000 })).toBe('queued');
    const other = thread('8.9');
    expect(await seq.accept(job('c', other, '1700000000.000100'), { lockMs: 5_000 })).toBe('queued');
    expect(await redis.exists(keys.threadLock(other))).toBe(0);
    // The same job accepted again (a redelivery after a failed ack) is known, and does not take the lock.
    expect(await seq.accept(job('c', other, '1700000000.000100'), { lockToken: 'rc', lockMs: 5_000 })).toBe('known');
    expect(await redis.exists(keys.threadLock(other))).toBe(0);
  });

  it('ends a recovery job whose turn was answered by the replica that started it', async () => {
    const t = thread('9.9');
    expect(await seq.accept(job('a', t, '1700000000.000100'), { lockToken: 'ra', lockMs: 5_000 })).toBe('run');
    // A sweep queued a recovery job while the first replica still ran the turn: it waits for the lock...
    expect(await seq.tryRun(t, 'a', 'rb', 5_000, true)).toEqual({ kind: 'locked' });
    await seq.release(t, 'a', 'ra', true);
    // ...and once the turn is done (record gone), it is over instead of answering a second time.
    expect(await seq.tryRun(t, 'a', 'rb', 5_000, true)).toEqual({ kind: 'over' });
    expect(await seq.record(t, 'a')).toBeNull();
  });

  it('takes an accept back completely, so Slack’s redelivery is accepted', async () => {
    const t = thread('10.10');
    const a = job('a', t, '1700000000.000100');
    expect(await seq.accept(a, { claim: claim('msg:a'), lockMs: 5_000 })).toBe('queued');
    await seq.withdraw(a, 'msg:a');
    expect(await redis.exists(keys.turnRecords(t), keys.threadQueue(t), keys.messageClaim(t, 'msg:a'))).toBe(0);
    expect(await seq.accept(a, { claim: claim('msg:a'), lockToken: 'r', lockMs: 5_000 })).toBe('run');
  });
});
