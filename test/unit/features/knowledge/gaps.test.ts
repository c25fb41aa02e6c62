import { describe, expect, it } from 'vitest';
import { GAP_RETENTION_MS, MemoryKnowledgeGaps } from '../../../../src/features/knowledge/gaps.js';

const at = 1_764_000_000_000;

describe('knowledge gaps', () => {
  it('keeps one entry per thread (the first), in time order, within [from, to)', async () => {
    const gaps = new MemoryKnowledgeGaps(() => at);
    await gaps.record({ question: 'B?', channel: 'C1', threadTs: '2.0', reason: 'handoff', at: at + 2 });
    await gaps.record({ question: 'A?', channel: 'C1', threadTs: '1.0', reason: 'handoff', at: at + 1 });
    await gaps.record({ question: 'A again', channel: 'C1', threadTs: '1.0', reason: 'not_in_sources', at: at + 3 });
    expect((await gaps.between(at, at + 10)).map((g) => g.question)).toEqual(['A?', 'B?']);
    expect(await gaps.between(at + 2, at + 10)).toHaveLength(1);
  });

  it('forgets entries after about five weeks and keeps questions short', async () => {
    let now = at;
    const gaps = new MemoryKnowledgeGaps(() => now);
    await gaps.record({ question: 'x'.repeat(2_000), channel: 'C1', threadTs: '1.0', reason: 'handoff', at });
    expect((await gaps.between(at, at + 1))[0]!.question).toHaveLength(500);
    now = at + GAP_RETENTION_MS + 1;
    await gaps.record({ question: 'new', channel: 'C1', threadTs: '9.0', reason: 'handoff', at: now });
    expect(await gaps.between(0, now + 1)).toHaveLength(1);
  });
});
