import { describe, expect, it } from 'vitest';
import {
  evalCaseDrafts,
  finetuneExample,
  RedactionTally,
  ratedThreads,
} from '../../../../src/features/offline/export/finetune.js';
import { MemoryFeedbackStore } from '../../../../src/platform/store/feedback.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { MemoryThreadStore } from '../../../../src/platform/store/memory/memory-stores.js';
import { FIXTURE, seedFixture } from './fixture-threads.js';

async function rated() {
  const threads = new MemoryThreadStore(storeKeys('t:'), 3600, 20);
  const feedback = new MemoryFeedbackStore();
  await seedFixture(threads, feedback, 1_000);
  return { threads, votes: await feedback.listSince(0) };
}

describe('fine-tuning data from rated threads', () => {
  it('settles each answer by the latest vote of each person, majority wins, ties are left out', async () => {
    const { votes } = await rated();
    expect(votes).toHaveLength(8); // Grace's second vote on the DM answer replaced her first
    const [support, dm, tie] = ratedThreads(votes);
    expect(Object.fromEntries(support!.verdicts)).toEqual({
      '1715500005.000200': 'positive',
      '1715500105.000400': 'positive',
      '1715500205.000600': 'negative',
    });
    expect(Object.fromEntries(dm!.verdicts)).toEqual({ '1715600004.000200': 'negative' });
    expect(tie!.verdicts.size).toBe(0);
  });

  it('writes the thread up to its last good answer in chat format, tools included, weighting only the good answers', async () => {
    const { votes } = await rated();
    const thread = ratedThreads(votes)[0]!;
    const tally = new RedactionTally({ phoneRegion: 'US' });
    const tools = [
      {
        type: 'function' as const,
        function: { name: 'lookup_ticket', description: 'Look up a ticket', parameters: { type: 'object' } },
      },
    ];
    const example = finetuneExample(FIXTURE.threads[0]!.items, thread, 'You are Threadwise.', tally, tools)!;
    expect(example.tools).toEqual(tools);
    expect(example.messages).toEqual([
      { role: 'system', content: 'You are Threadwise.' },
      { role: 'user', content: "Ada: What's the status of SUP-482? Customer [REDACTED_EMAIL] keeps asking." },
      {
        role: 'assistant',
        content: null,
        weight: 0,
        tool_calls: [
          { id: 'call_aaa111', type: 'function', function: { name: 'lookup_ticket', arguments: '{"id":"SUP-482"}' } },
        ],
      },
      {
        role: 'tool',
        tool_call_id: 'call_aaa111',
        content: '{"status":"In progress","eta":"2026-05-14","reporter_phone":"[REDACTED_PHONE]"}',
      },
      { role: 'assistant', content: 'SUP-482 is **in progress**; the fix ships on 2026-05-14.', weight: 1 },
      { role: 'user', content: 'Ada: Thanks! Can you also check SUP-483 and SUP-484?' },
      {
        role: 'assistant',
        content: null,
        weight: 0,
        tool_calls: [
          { id: 'call_bbb222', type: 'function', function: { name: 'lookup_ticket', arguments: '{"id":"SUP-483"}' } },
          { id: 'call_ccc333', type: 'function', function: { name: 'lookup_ticket', arguments: '{"id":"SUP-484"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_bbb222', content: '{"status":"Done"}' },
      { role: 'tool', tool_call_id: 'call_ccc333', content: '{"status":"Waiting for customer"}' },
      { role: 'assistant', content: 'SUP-483 is done and SUP-484 waits for the customer.', weight: 1 },
    ]);
    expect(tally.counts).toMatchObject({ email: 1, phone: 1 });
  });

  it('makes no example from a thread without a well-rated answer', async () => {
    const { votes } = await rated();
    const dm = ratedThreads(votes)[1]!;
    expect(finetuneExample(FIXTURE.threads[1]!.items, dm, 'sys', new RedactionTally({}))).toBeUndefined();
  });

  it('turns badly rated answers into eval cases with the question, the history before it, and no PII', async () => {
    const { votes } = await rated();
    const [support, dm] = ratedThreads(votes);
    const tally = new RedactionTally({});
    expect(evalCaseDrafts(FIXTURE.threads[0]!.items, support!, tally)).toEqual([
      {
        id: 'fb-c0sup1-1715500205-000600',
        input: 'And when will SUP-484 be fixed?',
        history: [
          { role: 'user', text: "What's the status of SUP-482? Customer [REDACTED_EMAIL] keeps asking." },
          { role: 'assistant', text: 'SUP-482 is **in progress**; the fix ships on 2026-05-14.' },
          { role: 'user', text: 'Thanks! Can you also check SUP-483 and SUP-484?' },
          { role: 'assistant', text: 'SUP-483 is done and SUP-484 waits for the customer.' },
        ],
        rejected: 'It will definitely be fixed tomorrow.',
      },
    ]);
    const [refund] = evalCaseDrafts(FIXTURE.threads[1]!.items, dm!, tally);
    expect(refund!.input).toBe('Refund to card [REDACTED_CARD] please, my IBAN is [REDACTED_IBAN]');
    expect(refund!.rejected).toContain('[REDACTED_EMAIL]');
  });
});
