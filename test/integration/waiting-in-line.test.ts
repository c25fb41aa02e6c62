import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const busy = /^is busy — you're #1 in line…$/;

describe.each([
  ['with Redis (BullMQ)', true],
  ['in one process', false],
])('a question while every turn slot is busy, %s', (_name, redis) => {
  it('is told its place in line as soon as Slack has its ack, and answered when a slot frees up', async () => {
    h = await new Harness({ redis, yaml: 'queue:\n  concurrency: 1\n' }).start();
    h.openai.enqueue({ kind: 'text', text: 'first answer', firstTokenDelayMs: 1_000 });
    h.openai.enqueue({ kind: 'text', text: 'second answer' });
    const first = await h.mention({ text: 'first question', ts: '1700000300.000100' });
    await h.until(() => h.openai.responsesRequests().length === 1, 'the first turn to hold the only slot');

    const second = await h.mention({ text: 'second question', ts: '1700000400.000100' });
    expect(second.status).toBe(200);
    await h.until(
      () => h.slack.callsTo('assistant.threads.setStatus').some((c) => busy.test(String(c.args.status))),
      'the waiting question to be told its place',
    );
    const told = h.slack.callsTo('assistant.threads.setStatus').find((c) => busy.test(String(c.args.status)))!;
    expect(told.args.thread_ts).toBe('1700000400.000100');
    // Told while the first answer was still being written: the second turn had not started.
    expect(h.openai.responsesRequests()).toHaveLength(1);

    await h.turnFinished(first.eventId);
    await h.turnFinished(second.eventId);
    expect(h.replies('C0SUP1', '1700000400.000100').map((m) => m.text)).toEqual(['second answer']);
    expect(h.slack.threadStatus('C0SUP1', '1700000400.000100')).toBeUndefined();
    // The question that found a free slot was not told to wait.
    const firstThread = h.slack
      .callsTo('assistant.threads.setStatus')
      .filter((c) => c.args.thread_ts === '1700000300.000100');
    expect(firstThread.some((c) => busy.test(String(c.args.status)))).toBe(false);
  });
});
