import { describe, expect, it } from 'vitest';
import type { KnowledgeGaps } from '../../../../src/features/knowledge/contracts.js';
import { GAP_RETENTION_MS, MemoryKnowledgeGaps, RedisKnowledgeGaps } from '../../../../src/features/knowledge/gaps.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';

const at = 1_764_000_000_000;
const { redis, fresh } = testRedis();

function stores(now: () => number): Array<[string, KnowledgeGaps]> {
  const prefix = fresh();
  return [
    ['memory', new MemoryKnowledgeGaps(now)],
    ['redis', new RedisKnowledgeGaps(redis, storeKeys(prefix), now)],
  ];
}

describe.each(stores(() => at))('knowledge gaps (%s)', (_, gaps) => {
  it('keeps one entry per thread (the first), in time order, within [from, to)', async () => {
    await gaps.record({ question: 'B?', channel: 'C1', threadTs: '2.0', reason: 'handoff', at: at + 2, askedBy: 'U1' });
    await gaps.record({ question: 'A?', channel: 'C1', threadTs: '1.0', reason: 'handoff', at: at + 1, askedBy: 'U1' });
    await gaps.record({
      question: 'A again',
      channel: 'C1',
      threadTs: '1.0',
      reason: 'not_in_sources',
      at: at + 3,
      askedBy: 'U2',
    });
    expect((await gaps.between(at, at + 10)).map((g) => g.question)).toEqual(['A?', 'B?']);
    expect(await gaps.between(at + 2, at + 10)).toHaveLength(1);
  });

  it("forget-me takes out the person's questions and leaves everyone else's", async () => {
    await gaps.record({
      question: 'Mine',
      channel: 'C2',
      threadTs: '5.0',
      reason: 'handoff',
      at: at + 5,
      askedBy: 'U9',
    });
    await gaps.record({
      question: 'Theirs',
      channel: 'C2',
      threadTs: '6.0',
      reason: 'handoff',
      at: at + 6,
      askedBy: 'U8',
    });
    expect(await gaps.forgetPerson('U9')).toBe(1);
    expect(await gaps.forgetPerson('U9')).toBe(0);
    const left = (await gaps.between(at + 5, at + 10)).map((g) => g.question);
    expect(left).toEqual(['Theirs']);
  });
});

describe('knowledge gaps retention', () => {
  it('forgets entries after about five weeks and keeps questions short', async () => {
    let now = at;
    for (const [, gaps] of stores(() => now)) {
      now = at;
      await gaps.record({
        question: 'x'.repeat(2_000),
        channel: 'C1',
        threadTs: '1.0',
        reason: 'handoff',
        at,
        askedBy: 'U1',
      });
      expect((await gaps.between(at, at + 1))[0]!.question).toHaveLength(500);
      now = at + GAP_RETENTION_MS + 1;
      await gaps.record({ question: 'new', channel: 'C1', threadTs: '9.0', reason: 'handoff', at: now, askedBy: 'U1' });
      expect(await gaps.between(0, now + 1)).toHaveLength(1);
    }
  });

  it('reads an entry stored before askers were kept as nobody’s', async () => {
    const prefix = fresh();
    const keys = storeKeys(prefix);
    const old = { question: 'Old?', channel: 'C1', threadTs: '1.0', reason: 'handoff', at };
    await redis.hset(keys.gapItems, 'C1 1.0', JSON.stringify(old));
    await redis.zadd(keys.gapsByTime, at, 'C1 1.0');
    const gaps = new RedisKnowledgeGaps(redis, keys, () => at);
    expect(await gaps.between(at, at + 1)).toEqual([{ ...old, askedBy: '' }]);
    expect(await gaps.forgetPerson('U1')).toBe(0);
  });
});
