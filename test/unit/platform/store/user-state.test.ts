import { describe, expect, it } from 'vitest';
import {
  type FeedbackStore,
  MemoryFeedbackStore,
  RedisFeedbackStore,
} from '../../../../src/platform/store/feedback.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryThreadStore } from '../../../../src/platform/store/memory/memory-stores.js';
import { RedisThreadStore } from '../../../../src/platform/store/redis/redis-stores.js';
import {
  MemoryUserStateStore,
  RedisUserStateStore,
  type UserStateStore,
} from '../../../../src/platform/store/user-state.js';
import type { ThreadStore } from '../../../../src/turn/thread.js';
import { testRedis } from '../../../support/test-redis.js';

const db = testRedis();
const { redis } = db;
const fresh = () => storeKeys(db.fresh());

describe.each<[string, () => { state: UserStateStore; threads: ThreadStore; feedback: FeedbackStore }]>([
  [
    'memory',
    () => {
      const k = fresh();
      return {
        state: new MemoryUserStateStore(k),
        threads: new MemoryThreadStore(k, 3600, 5),
        feedback: new MemoryFeedbackStore(),
      };
    },
  ],
  [
    'redis',
    () => {
      const k = fresh();
      return {
        state: new RedisUserStateStore(redis, k),
        threads: new RedisThreadStore(redis, k, 3600, 5),
        feedback: new RedisFeedbackStore(redis, k),
      };
    },
  ],
])('%s per-person state', (_name, make) => {
  it('hands the viewing context to one question only', async () => {
    const { state } = make();
    await state.setContext('T1', 'U1', { channel: 'C9', at: 1 }, 60);
    expect(await state.takeContext('T1', 'U1')).toEqual({ channel: 'C9', at: 1 });
    expect(await state.takeContext('T1', 'U1')).toBeUndefined();
  });

  it('lists a person’s threads newest first and forgets them', async () => {
    const { state } = make();
    const now = Date.now();
    await state.noteThread({ teamId: 'T1', channel: 'D1', threadTs: '1.1' }, 'U1', now - 10, 3600);
    await state.noteThread({ teamId: 'T1', channel: 'C1', threadTs: '2.2' }, 'U1', now, 3600);
    expect((await state.threads('T1', 'U1')).map((k) => k.channel)).toEqual(['C1', 'D1']);
    await state.forgetThread({ teamId: 'T1', channel: 'C1', threadTs: '2.2' }, 'U1');
    expect((await state.threads('T1', 'U1')).map((k) => k.channel)).toEqual(['D1']);
    await state.forget('T1', 'U1');
    expect(await state.threads('T1', 'U1')).toEqual([]);
  });

  it('removes one person from a stored thread and only their votes', async () => {
    const { threads, feedback } = make();
    const key = { teamId: 'T1', channel: 'C1', threadTs: '1.1' };
    await threads.append(key, [
      { type: 'user', ts: '1.1', userId: 'U1', userName: 'Ada', text: 'secret plan' },
      { type: 'assistant', text: 'ok' },
      { type: 'user', ts: '1.2', userId: 'U2', userName: 'Grace', text: 'hello' },
    ]);
    expect(await threads.redactPerson(key, 'U1')).toBe(1);
    expect(await threads.redactPerson(key, 'U1')).toBe(0);
    const items = await threads.load(key);
    expect(items).toHaveLength(3);
    expect(JSON.stringify(items)).not.toContain('secret plan');
    await feedback.record({
      teamId: 'T1',
      channel: 'C1',
      threadTs: '1.1',
      messageTs: '1.5',
      userId: 'U1',
      value: 'positive',
      at: 1,
    });
    await feedback.record({
      teamId: 'T1',
      channel: 'C1',
      threadTs: '1.1',
      messageTs: '1.5',
      userId: 'U2',
      value: 'negative',
      at: 2,
    });
    expect(await feedback.forgetUser('T1', 'U1')).toBe(1);
    expect((await feedback.listSince(0)).map((f) => f.userId)).toEqual(['U2']);
  });
});
