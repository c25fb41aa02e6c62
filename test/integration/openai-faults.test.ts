import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

const CH = 'C0SUP1';
const NOTE = '_↻ Answer restarted after an interruption._';
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const serverError = (status: number) => ({
  kind: 'http_error' as const,
  status,
  error: { message: 'The server had an error while processing your request.', type: 'server_error', code: null },
});
const onlyReply = (hh: Harness) => {
  const replies = hh.replies(CH, hh.slack.messages(CH)[0]!.ts);
  expect(replies).toHaveLength(1);
  return replies[0]!.text;
};

describe('OpenAI faults mid-answer', () => {
  it('restarts an answer whose connection was reset mid-stream, ending with one complete answer', async () => {
    h = await new Harness().start();
    h.openai.enqueue(
      { kind: 'reset', afterText: 'The first half of an answer that', deltaDelayMs: 30 },
      { kind: 'text', text: 'The complete answer.' },
    );
    const sent = await h.mention({ text: 'explain' });
    await h.turnFinished(sent.eventId);
    expect(onlyReply(h)).toBe(`${NOTE}\n\nThe complete answer.`);
    expect(await h.waitForLog((l) => l.msg === 'model stream broke mid-answer; restarting the answer')).toMatchObject({
      kind: 'connection',
    });
    // The thread remembers the complete answer, not the broken one.
    const next = await h.mention({ text: 'and then?', thread_ts: h.slack.messages(CH)[0]!.ts });
    await h.turnFinished(next.eventId);
    const input = JSON.stringify(h.openai.responsesRequests().at(-1)!.body.input);
    expect(input).toContain('The complete answer.');
    expect(input).not.toContain('The first half');
  });

  it('starts over silently when the stream broke before anything reached Slack', async () => {
    // The first words normally go out on the first token; a gathering window keeps them back until the break.
    h = await new Harness({ yaml: 'slack:\n  first_flush_ms: 500\n' }).start();
    h.openai.enqueue({ kind: 'reset', afterText: 'Never shown' }, { kind: 'text', text: 'The only answer.' });
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    expect(onlyReply(h)).toBe('The only answer.');
  });

  it('retries a reset before any text silently and answers', async () => {
    h = await new Harness().start();
    h.openai.enqueue({ kind: 'reset' }, { kind: 'text', text: 'Answer after a quiet retry.' });
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    expect(onlyReply(h)).toBe('Answer after a quiet retry.');
  });

  it('rides out a burst of 5xx and answers completely', async () => {
    h = await new Harness().start();
    h.openai.enqueue(serverError(500), serverError(503), { kind: 'text', text: 'Answer once OpenAI recovered.' });
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    expect(h.openai.responsesRequests()).toHaveLength(3);
    expect(onlyReply(h)).toBe('Answer once OpenAI recovered.');
  });

  it('gives a clear notice when a mid-answer server error repeats after the restart', async () => {
    h = await new Harness().start();
    const broken = {
      kind: 'stream_error' as const,
      error: { type: 'server_error', code: 'server_error', message: 'The server had an error.' },
    };
    h.openai.enqueue(
      { ...broken, afterText: 'Part one', chunkSize: 2, deltaDelayMs: 60 },
      { ...broken, afterText: 'Part two' },
    );
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    const text = onlyReply(h);
    expect(text).toMatch(
      new RegExp(
        `^${NOTE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n\nPart two\n\n⚠️ OpenAI answered with a server error`,
      ),
    );
    expect(text).not.toContain('Part one');
  });
});
