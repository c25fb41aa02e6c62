import { afterEach, describe, expect, it } from 'vitest';
import { fakeToken } from '../support/fake-tokens.js';
import { Harness, OPENAI_KEY, SIGNING_SECRET } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const CH = 'C0SUP1';
const rootOf = (eventTs: string | undefined, hh: Harness) => eventTs ?? hh.slack.messages(CH)[0]!.ts;
const visible = (hh: Harness, ts: string) =>
  hh
    .replies(CH, ts)
    .map((m) => m.text)
    .join('\n');

describe('when OpenAI misbehaves the user hears about it', () => {
  it('waits out a 429 with retry-after and then answers', async () => {
    h = await new Harness().start();
    h.openai.enqueue(
      {
        kind: 'http_error',
        status: 429,
        error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
        headers: { 'retry-after-ms': '300' },
      },
      { kind: 'text', text: 'Here after the wait.' },
    );
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    const reqs = h.openai.responsesRequests();
    expect(reqs).toHaveLength(2);
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(250);
    expect(visible(h, rootOf(undefined, h))).toBe('Here after the wait.');
  });

  it('tells the user about a persistent server error, and logs it with the request id', async () => {
    h = await new Harness({ yaml: 'openai:\n  max_retries: 1\n' }).start();
    h.openai.setDefault(() => ({
      kind: 'http_error',
      status: 500,
      error: { message: 'The server had an error', type: 'server_error', code: null },
    }));
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    expect(h.openai.responsesRequests()).toHaveLength(2);
    expect(visible(h, rootOf(undefined, h))).toMatch(
      /OpenAI answered with a server error \(HTTP 500\).*reference `req_/,
    );
    const failed = await h.waitForLog((l) => l.msg === 'model call failed');
    expect(failed).toMatchObject({ error_kind: 'server', http_status: 500 });
    expect(String(failed.request_id)).toMatch(/^req_/);
  });

  it('does not retry insufficient_quota and says so', async () => {
    h = await new Harness().start();
    h.openai.enqueue({
      kind: 'http_error',
      status: 429,
      error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' },
    });
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    expect(h.openai.responsesRequests()).toHaveLength(1);
    expect(visible(h, rootOf(undefined, h))).toMatch(/out of quota/);
    expect(await h.waitForLog((l) => l.msg === 'model call failed')).toMatchObject({ level: 50, error_kind: 'quota' });
  });

  it('reports an error event inside a 200 stream, keeping the text already shown', async () => {
    h = await new Harness().start();
    h.openai.enqueue({
      kind: 'stream_error',
      afterText: 'Partial answer so far.',
      error: {
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        message: 'Your input exceeds the context window of this model.',
      },
    });
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    const text = visible(h, rootOf(undefined, h));
    expect(text).toContain('Partial answer so far.');
    expect(text).toMatch(/no longer fits the model's context window/);
  });

  it('restarts an answer whose stream stalled mid-way, ending with one complete answer and a short note', async () => {
    h = await new Harness({ yaml: 'openai:\n  stall_timeout_ms: 1000\n  max_retries: 0\n' }).start();
    h.openai.enqueue(
      { kind: 'stall', afterText: 'I was saying' },
      { kind: 'text', text: 'The whole answer, from the start.' },
    );
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    const replies = h.replies(CH, rootOf(undefined, h));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe('_↻ Answer restarted after an interruption._\n\nThe whole answer, from the start.');
    expect(h.openai.responsesRequests()).toHaveLength(2);
  });

  it('gives up after a second stall and says how long it waited', async () => {
    h = await new Harness({ yaml: 'openai:\n  stall_timeout_ms: 1000\n  max_retries: 0\n' }).start();
    h.openai.enqueue({ kind: 'stall', afterText: 'I was saying' }, { kind: 'stall', afterText: 'Again I was' });
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    const replies = h.replies(CH, rootOf(undefined, h));
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toMatch(
      /^_↻ Answer restarted after an interruption._\n\nAgain I was\n\n.*stopped sending data for 1 s/,
    );
    expect(replies[0]!.text).not.toContain('I was saying');
  });

  it('says so when an answer is cut at the output limit', async () => {
    h = await new Harness().start();
    h.openai.enqueue({
      kind: 'text',
      text: 'A long story that',
      status: 'incomplete',
      incompleteReason: 'max_output_tokens',
    });
    const sent = await h.mention({ text: 'tell me everything' });
    await h.turnFinished(sent.eventId);
    expect(visible(h, rootOf(undefined, h))).toMatch(
      /A long story that\n\n.*cut off at the length limit \(4,096 tokens\)/,
    );
  });
});

describe('long answers and Slack limits', () => {
  it('delivers a 50,000-character answer completely, split into messages Slack accepts', async () => {
    h = await new Harness().start();
    const paragraphs = Array.from(
      { length: 125 },
      (_, i) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(14).trim()}.`,
    );
    paragraphs.splice(
      60,
      0,
      `\`\`\`ts\n${Array.from({ length: 40 }, (_, i) => `const line${i} = ${i};`).join('\n')}\n\`\`\``,
    );
    const answer = paragraphs.join('\n\n');
    expect(answer.length).toBeGreaterThan(50_000);
    h.openai.enqueue({ kind: 'text', text: answer, chunkSize: 400 });
    const sent = await h.mention({ text: 'write a lot' });
    await h.turnFinished(sent.eventId, 30_000);
    const replies = h.replies(CH, h.slack.messages(CH)[0]!.ts);
    expect(replies.length).toBeGreaterThanOrEqual(5);
    for (const r of replies) expect(r.text.length).toBeLessThanOrEqual(12_000);
    const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
    expect(norm(replies.map((r) => r.text).join('\n\n'))).toBe(norm(answer));
    expect(h.slack.calls.filter((c) => !c.ok && c.method.startsWith('chat.'))).toEqual([]);
  });

  it('finishes the answer by post and update when the stream expires mid-answer', async () => {
    h = await new Harness({ slack: { streamIdleExpiryMs: 400 } }).start();
    h.openai.enqueue({
      kind: 'text',
      text: `First part of the answer. ${'then a pause '.repeat(3)}and the end.`,
      chunkSize: 5,
      deltaDelayMs: 100,
    });
    const sent = await h.mention({ text: 'slow please' });
    await h.turnFinished(sent.eventId);
    // Writes are a second apart, longer than this Slack's idle expiry, so the stream expires after the first.
    expect(
      h.slack.calls.some((c) => c.method === 'chat.appendStream' && c.error === 'message_not_in_streaming_state'),
    ).toBe(true);
    expect(h.slack.callsTo('chat.update').length).toBeGreaterThan(0);
    const text = visible(h, h.slack.messages(CH)[0]!.ts);
    expect(text.replace(/\s+/g, ' ')).toContain(
      'First part of the answer. then a pause then a pause then a pause and the end.',
    );
  });
});

describe('conversation state', () => {
  it('remembers the thread across a restart', async () => {
    h = await new Harness().start();
    h.openai.enqueue({ kind: 'text', text: 'The capital is Paris.' });
    const first = await h.mention({ text: 'capital of France?' });
    await h.turnFinished(first.eventId);
    await h.restart();
    const rootTs = h.slack.messages(CH)[0]!.ts;
    const second = await h.message({ channel: CH, thread_ts: rootTs, text: 'and its population?' });
    await h.turnFinished(second.eventId);
    expect(h.openai.responsesRequests()[1]!.body.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Ada: capital of France?' }] },
      { type: 'message', role: 'assistant', content: 'The capital is Paris.' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Ada: and its population?' }] },
    ]);
  });

  it('does not answer a Slack retry twice, even when it arrives after a restart', async () => {
    h = await new Harness().start();
    const first = await h.mention({ text: 'only once', ts: '1700000200.000100' });
    await h.turnFinished(first.eventId);
    await h.restart();
    const retry = await h.mention(
      { text: 'only once', ts: '1700000200.000100' },
      { eventId: first.eventId, retryNum: 2, retryReason: 'http_timeout' },
    );
    expect(retry.status).toBe(200);
    await h.settled();
    expect(h.openai.responsesRequests()).toHaveLength(1);
    expect(h.replies(CH, '1700000200.000100')).toHaveLength(1);
  });

  it('answers two messages sent at once to one thread in order, and keeps both', async () => {
    h = await new Harness().start();
    const first = await h.mention({ text: 'start' });
    await h.turnFinished(first.eventId);
    const rootTs = h.slack.messages(CH)[0]!.ts;
    h.openai.enqueue({ kind: 'text', text: 'answer A', firstTokenDelayMs: 300 }, { kind: 'text', text: 'answer B' });
    const [a, b] = await Promise.all([
      h.message({ channel: CH, thread_ts: rootTs, text: 'question A', ts: `${Math.floor(Date.now() / 1000)}.000001` }),
      h.message({ channel: CH, thread_ts: rootTs, text: 'question B', ts: `${Math.floor(Date.now() / 1000)}.000002` }),
    ]);
    await h.turnFinished(a.eventId);
    await h.turnFinished(b.eventId);
    const third = h.openai.responsesRequests()[2]!.body.input as unknown[];
    expect(JSON.stringify(third)).toMatch(/question A.*answer A.*question B/);
    expect(
      h
        .replies(CH, rootTs)
        .map((m) => m.text)
        .slice(-2),
    ).toEqual(['answer A', 'answer B']);
  });
});

describe('secrets', () => {
  it('never writes a token, key or signing secret to the logs, even on failures', async () => {
    h = await new Harness().start();
    h.openai.enqueue({
      kind: 'http_error',
      status: 401,
      error: {
        message: `Incorrect API key provided: ${OPENAI_KEY}`,
        type: 'invalid_request_error',
        code: 'invalid_api_key',
      },
    });
    const pasted = fakeToken('xoxb', '999999999-secret-abc');
    const sent = await h.mention({ text: `my token is ${pasted}, please help` });
    await h.turnFinished(sent.eventId);
    await h.mention({ text: 'forged' }, { badSignature: true });
    await h.settled();
    const all = h.logs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [h.slack.botToken, OPENAI_KEY, SIGNING_SECRET, pasted]) expect(all).not.toContain(secret);
    expect(visible(h, h.slack.messages(CH)[0]!.ts)).not.toContain(OPENAI_KEY);
  });
});
