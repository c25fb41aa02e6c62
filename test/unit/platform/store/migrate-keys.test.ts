import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisFeedbackStore } from '../../../../src/platform/store/feedback.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { migrateKeyLayout } from '../../../../src/platform/store/migrate-keys.js';
import { RedisUserStateStore } from '../../../../src/platform/store/user-state.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, prefix: root } = testRedis();
const log = pino({ level: 'silent' });

describe('upgrading to the Cluster-safe key names', () => {
  it('keeps conversations, who asked where, and feedback written under the old names', async () => {
    const prefix = `${root}a:`;
    const keys = storeKeys(prefix);
    const thread = { teamId: 'T1', channel: 'C1', threadTs: '1700000000.000100' };
    // What the previous version left in Redis (its exact key names and encodings).
    const item = JSON.stringify({ role: 'user', text: 'Ada: where is the VPN guide?' });
    await redis.rpush(`${prefix}thread:T1:C1:1700000000.000100`, item);
    await redis.expire(`${prefix}thread:T1:C1:1700000000.000100`, 3_600);
    await redis.set(`${prefix}joined:T1:C1:1700000000.000100`, '1', 'EX', 3_600);
    await redis.zadd(`${prefix}user-threads:T1:U1`, Date.now(), 'C1 1700000000.000100');
    const vote = {
      teamId: 'T1',
      channel: 'C1',
      threadTs: '1700000000.000100',
      messageTs: '1700000000.000200',
      userId: 'U1',
      value: 'positive' as const,
      at: 1,
    };
    await redis.hset(`${prefix}feedback:items`, 'v1', JSON.stringify(vote));
    await redis.zadd(`${prefix}feedback:by-time`, 1, 'v1');

    await migrateKeyLayout(redis, prefix, keys, log);

    expect(await redis.lrange(keys.thread(thread), 0, -1)).toEqual([item]);
    expect(await redis.ttl(keys.thread(thread))).toBeGreaterThan(3_000);
    expect(await redis.exists(keys.participation(thread))).toBe(1);
    expect(await new RedisUserStateStore(redis, keys).threads('T1', 'U1')).toEqual([thread]);
    expect(await new RedisFeedbackStore(redis, keys).listSince(0)).toEqual([vote]);
    expect(await redis.keys(`${prefix}thread:T1*`)).toEqual([]);
  });

  it('never overwrites what the new version already wrote, and runs once per Redis', async () => {
    const prefix = `${root}b:`;
    const keys = storeKeys(prefix);
    const thread = { teamId: 'T1', channel: 'C2', threadTs: '1700000000.000200' };
    await redis.rpush(`${prefix}thread:T1:C2:1700000000.000200`, 'old');
    await redis.rpush(keys.thread(thread), 'new');
    await migrateKeyLayout(redis, prefix, keys, log);
    expect(await redis.lrange(keys.thread(thread), 0, -1)).toEqual(['new']);
    expect(await redis.get(keys.keyLayout)).toBeTruthy();

    // A later start does not scan again: a key in the old layout now stays where it is.
    await redis.rpush(`${prefix}thread:T1:C3:1700000000.000300`, 'late');
    await migrateKeyLayout(redis, prefix, keys, log);
    expect(await redis.exists(`${prefix}thread:T1:C3:1700000000.000300`)).toBe(1);
  });
});
