import { describe, expect, it } from 'vitest';
import {
  type Feedback,
  type FeedbackStore,
  MemoryFeedbackStore,
  RedisFeedbackStore,
} from '../../../../src/platform/store/feedback.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, fresh } = testRedis();

const vote = (over: Partial<Feedback>): Feedback => ({
  teamId: 'T1',
  channel: 'C1',
  threadTs: '1.000001',
  messageTs: '2.000002',
  userId: 'U1',
  value: 'positive',
  at: 1_000,
  ...over,
});

describe.each<[string, () => FeedbackStore]>([
  ['memory', () => new MemoryFeedbackStore()],
  ['redis', () => new RedisFeedbackStore(redis, storeKeys(fresh()))],
])('%s feedback store', (_name, make) => {
  it('lists votes since a time, oldest first', async () => {
    const store = make();
    await store.record(vote({ messageTs: '3.000003', at: 3_000 }));
    await store.record(vote({ messageTs: '2.000002', at: 2_000, value: 'negative' }));
    await store.record(vote({ messageTs: '1.000001', at: 500 }));
    expect((await store.listSince(1_000)).map((f) => [f.messageTs, f.value])).toEqual([
      ['2.000002', 'negative'],
      ['3.000003', 'positive'],
    ]);
  });

  it('keeps one vote per person per answer: the latest', async () => {
    const store = make();
    await store.record(vote({ at: 1_000 }));
    await store.record(vote({ at: 2_000, value: 'negative' }));
    await store.record(vote({ at: 2_500, userId: 'U2' }));
    expect((await store.listSince(0)).map((f) => [f.userId, f.value, f.at])).toEqual([
      ['U1', 'negative', 2_000],
      ['U2', 'positive', 2_500],
    ]);
  });
});
