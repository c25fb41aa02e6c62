import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { RedisTurnLedger } from '../../../../src/platform/store/redis/redis-stores.js';
import { RedisUserStateStore } from '../../../../src/platform/store/user-state.js';

// The stores' multi-command writes run as one script each (EVALSHA); these pin what they must still do.
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `twtest:${randomBytes(4).toString('hex')}:`;
const keys = storeKeys(prefix);
const redis = new Redis(REDIS_URL);
afterAll(async () => {
  const left = await redis.keys(`${prefix}*`);
  if (left.length) await redis.del(...left);
  await redis.quit();
});

describe('the reply ledger of a turn', () => {
  it('gives a retried turn the messages its earlier attempt posted, in order, for a day', async () => {
    const ledger = new RedisTurnLedger(redis, keys);
    await ledger.recordReply('Ev1', '1700000000.000100');
    await ledger.recordReply('Ev1', '1700000000.000200');
    expect(await ledger.replies('Ev1')).toEqual(['1700000000.000100', '1700000000.000200']);
    expect(await ledger.replies('Ev2')).toEqual([]);
    const ttl = await redis.ttl(keys.turnReplies('Ev1'));
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });
});

describe('a person’s list of threads', () => {
  it('drops threads older than a thread’s lifetime and lives as long as one', async () => {
    const state = new RedisUserStateStore(redis, keys);
    const hour = 3_600_000;
    const now = Date.now();
    const old = { teamId: 'T1', channel: 'C1', threadTs: '1700000000.000001' };
    const recent = { teamId: 'T1', channel: 'C2', threadTs: '1700000000.000002' };
    await state.noteThread(old, 'U1', now - 3 * hour, 7_200);
    await state.noteThread(recent, 'U1', now, 7_200);
    expect(await state.threads('T1', 'U1')).toEqual([recent]);
    const ttl = await redis.ttl(keys.userThreads('T1', 'U1'));
    expect(ttl).toBeGreaterThan(7_000);
    expect(ttl).toBeLessThanOrEqual(7_200);
  });
});
