import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlackRateGate } from '../../../../src/platform/slack/rate-gate.js';
import {
  type ReplyTarget,
  type ReplyWriterOptions,
  SlackReplyWriter,
} from '../../../../src/platform/slack/reply-writer.js';
import { InProcessSlack, type SlackCall, type SlackFault } from '../../../support/in-process-slack.js';
import { en, translators } from '../../../support/translators.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-12-01T09:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const CHANNEL = 'C1';
const THREAD = '1700000000.000001';

function setup(options: Partial<ReplyWriterOptions> = {}, target: Partial<ReplyTarget> = {}) {
  const slack = new InProcessSlack({ channels: { [CHANNEL]: { name: 'general' } } });
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const writer = new SlackReplyWriter(
    slack.client,
    new SlackRateGate(),
    { channel: CHANNEL, threadTs: THREAD, recipientUserId: 'U1', recipientTeamId: 'T1', ...target },
    {
      firstFlushMs: 0,
      flushIntervalMs: 1_000,
      nativeStreaming: true,
      nothingToAdd: () => en.t('reply.nothing_to_add'),
      ...options,
    },
    log,
  );
  const started = Date.now();
  const at = (call: { at: number }) => call.at - started;
  /** The bot's messages in the thread, oldest first. */
  const replies = () => slack.botMessages(CHANNEL, THREAD);
  /** What a reader of the thread sees from the bot. */
  const shown = () => replies().map((m) => m.text);
  /** Successful writes of the reply, in order. */
  const chatWrites = (): SlackCall[] =>
    slack.calls.filter((c) => c.ok && c.method.startsWith('chat.') && c.method !== 'chat.delete');
  return { slack, writer, lines, at, replies, shown, chatWrites };
}

/** `n` tokens, one every `everyMs`, the first at once; returns the whole text. The last token is not followed by a wait. */
async function stream(writer: SlackReplyWriter, n: number, everyMs: number, word = (i: number) => `w${i} `) {
  let text = '';
  for (let i = 0; i < n; i++) {
    writer.append(word(i));
    text += word(i);
    if (i < n - 1) await vi.advanceTimersByTimeAsync(everyMs);
  }
  return text;
}

async function finish(writer: SlackReplyWriter, outcome: 'answered' | 'failed' = 'answered') {
  const done = writer.finish({ outcome });
  await vi.runAllTimersAsync();
  return done;
}

describe('an answer without words', () => {
  it('says there is nothing to add, in the reader’s language', async () => {
    const { writer, shown } = setup({ nothingToAdd: () => translators.forLocale('de-DE').t('reply.nothing_to_add') });
    await writer.finish({ outcome: 'answered' });
    expect(shown()).toEqual(['_Dazu habe ich nichts hinzuzufügen._']);
  });
});

describe('write cadence', () => {
  it('shows the first words on the first token, then writes at most once a second plus the closing write: a 2-second answer takes 3 writes', async () => {
    const { writer, at, shown, chatWrites } = setup();
    const text = await stream(writer, 40, 50); // tokens from 0 to 1,950 ms
    const result = await finish(writer);
    const writes = chatWrites();
    expect(writes.map((c) => c.method)).toEqual(['chat.startStream', 'chat.appendStream', 'chat.stopStream']);
    expect(at(writes[0]!)).toBe(0);
    expect(writes[0]!.args.markdown_text).toBe('w0 ');
    // One second and a quarter of a second's grace after the first words.
    expect(at(writes[1]!)).toBe(1_250);
    expect(shown()).toEqual([text]);
    expect(result.undelivered).toBeUndefined();
  });

  it('spends no write that the close makes moments later: an answer that runs to 2.1 s still takes 3 writes', async () => {
    const { writer, at, shown, chatWrites } = setup();
    const text = await stream(writer, 43, 50); // tokens from 0 to 2,100 ms
    await finish(writer);
    const writes = chatWrites();
    expect(writes.map((c) => c.method)).toEqual(['chat.startStream', 'chat.appendStream', 'chat.stopStream']);
    expect(writes.map(at)).toEqual([0, 1_250, 2_100]);
    // The words of the last 0.85 s ride on the closing call.
    expect(writes[2]!.args.markdown_text).toBe(
      text.slice((writes[0]!.args.markdown_text as string).length + (writes[1]!.args.markdown_text as string).length),
    );
    expect(shown()).toEqual([text]);
  });

  it('writes less often for the rest of the answer once Slack rate-limits it, and still shows every word', async () => {
    const { slack, writer, at, shown, chatWrites } = setup();
    // The first append (at 1 s) is refused with Retry-After: 1.
    slack.failNext('chat.appendStream', { retryAfter: 1 });
    const text = await stream(writer, 120, 50); // a 6-second answer
    await finish(writer);
    const appends = chatWrites().filter((c) => c.method === 'chat.appendStream');
    // Without the 429 it would append at 1.25, 2.5, 3.75 and 5 s; pushed back, its interval doubles to 2 s (the
    // grace stays a quarter of the configured second).
    expect(appends.map(at)).toEqual([3_500, 5_750]);
    expect(chatWrites()).toHaveLength(4);
    expect(shown()).toEqual([text]);
  });

  it('keeps at least a second between writes when Slack is slow to answer them, and never writes two at once', async () => {
    const { slack, writer, at, shown, chatWrites } = setup();
    slack.delayCalls('chat.startStream', 300).delayCalls('chat.appendStream', 1_300);
    const text = await stream(writer, 100, 50); // a 5-second answer
    await finish(writer);
    const starts = chatWrites().map(at);
    // The second append waits for the first, slow one (1,250 → 2,550 ms) and then goes at once: it is overdue.
    expect(starts.slice(0, 2)).toEqual([0, 1_250]);
    expect(starts[2]).toBeGreaterThanOrEqual(2_550);
    expect(starts[2]).toBeLessThan(2_650);
    const gaps = starts.slice(1, -1).map((t, i) => t - starts[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    expect(shown()).toEqual([text]);
  });

  it('shows the first words within one Slack call of a first token that comes late', async () => {
    const { writer, at, chatWrites } = setup();
    await vi.advanceTimersByTimeAsync(2_700); // the model thinks before it writes
    await stream(writer, 40, 50);
    await finish(writer);
    expect(at(chatWrites()[0]!)).toBe(2_700);
    // A second and the grace after those first words, not on a grid counted from when the reply was created.
    expect(at(chatWrites()[1]!)).toBe(3_950);
  });

  it('writes at most once a second however fast tokens come: a 4-second answer takes 5 writes', async () => {
    const { writer, chatWrites } = setup();
    await stream(writer, 400, 10); // tokens from 0 to 3,990 ms
    await finish(writer);
    expect(chatWrites().map((c) => c.method)).toEqual([
      'chat.startStream',
      'chat.appendStream',
      'chat.appendStream',
      'chat.appendStream',
      'chat.stopStream',
    ]);
  });

  it('gathers the first words for first_flush_ms when it is set', async () => {
    const { writer, at, chatWrites } = setup({ firstFlushMs: 120 });
    await stream(writer, 10, 50);
    await finish(writer);
    expect(at(chatWrites()[0]!)).toBe(120);
    expect(chatWrites()[0]!.args.markdown_text).toBe('w0 w1 w2 ');
  });
});

describe('falling back from streaming to post + update', () => {
  const http500: SlackFault = { status: 500 };
  const cases: Array<{ name: string; method: string; fault: SlackFault | 'expired'; messages: number }> = [
    { name: 'chat.startStream answers HTTP 500', method: 'chat.startStream', fault: http500, messages: 1 },
    { name: 'chat.startStream loses its connection', method: 'chat.startStream', fault: 'network', messages: 1 },
    { name: 'chat.startStream is rate-limited', method: 'chat.startStream', fault: { retryAfter: 30 }, messages: 1 },
    {
      name: 'chat.startStream is refused',
      method: 'chat.startStream',
      fault: { error: 'invalid_arguments' },
      messages: 1,
    },
    { name: 'chat.appendStream answers HTTP 503', method: 'chat.appendStream', fault: { status: 503 }, messages: 1 },
    { name: 'chat.appendStream loses its connection', method: 'chat.appendStream', fault: 'network', messages: 1 },
    { name: 'the stream expires', method: 'chat.appendStream', fault: 'expired', messages: 1 },
    { name: 'chat.stopStream answers HTTP 500', method: 'chat.stopStream', fault: http500, messages: 2 },
    { name: 'the stream expires before it is stopped', method: 'chat.stopStream', fault: 'expired', messages: 1 },
  ];

  it.each(cases)('shows the whole answer when $name', async ({ method, fault, messages }) => {
    const { slack, writer, replies, shown } = setup();
    if (fault !== 'expired') slack.failFor(method, fault);
    // 3 s of answer: a start, appends at 1 s and 2 s, then the close.
    let text = await stream(writer, 30, 50);
    if (fault === 'expired' && method === 'chat.appendStream') slack.expireStream(CHANNEL, replies()[0]!.ts);
    text += await stream(writer, 30, 50, (i) => `x${i} `);
    if (fault === 'expired' && method === 'chat.stopStream') slack.expireStream(CHANNEL, replies()[0]!.ts);
    const result = await finish(writer);
    expect(shown().join('')).toBe(text);
    expect(replies()).toHaveLength(messages);
    expect(result.undelivered).toBeUndefined();
    expect(result.messageTs).toEqual(replies().map((m) => m.ts));
  });

  it('tries a failing chat.startStream only briefly (about a second) before posting instead', async () => {
    const { slack, writer, at } = setup();
    slack.failFor('chat.startStream', { status: 500 });
    await stream(writer, 10, 50);
    await finish(writer);
    expect(slack.callsTo('chat.startStream')).toHaveLength(2);
    const post = slack.callsTo('chat.postMessage')[0]!;
    expect(at(post)).toBeLessThan(1_000);
  });

  it('keeps trying through a 20-second outage of every chat method and then shows the whole answer', async () => {
    const { slack, writer, shown } = setup();
    for (const method of ['chat.startStream', 'chat.postMessage', 'chat.update', 'chat.stopStream'])
      slack.failFor(method, { status: 500 }, 20_000);
    const text = await stream(writer, 40, 50);
    const result = await finish(writer);
    expect(shown()).toEqual([text]);
    expect(result.undelivered).toBeUndefined();
  });

  it('reports what never reached the user when Slack keeps failing, instead of pretending it was shown', async () => {
    const { slack, writer, lines, replies } = setup();
    for (const method of ['chat.startStream', 'chat.postMessage', 'chat.update', 'chat.stopStream'])
      slack.failFor(method, { status: 500 });
    const text = await stream(writer, 20, 50);
    const result = await finish(writer);
    expect(replies()).toHaveLength(0);
    expect(result).toEqual({ messageTs: [], undelivered: text.length });
    expect(lines.find((l) => l.msg === 'could not deliver the whole answer to Slack')).toMatchObject({
      lost_chars: text.length,
    });
  });

  it('posts and edits when the answer is also shown in the channel (streams cannot broadcast)', async () => {
    const { slack, writer, shown } = setup({}, { broadcast: true });
    const text = await stream(writer, 30, 50);
    await finish(writer);
    expect(slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(slack.callsTo('chat.postMessage')[0]!.args.reply_broadcast).toBe(true);
    expect(shown()).toEqual([text]);
  });
});

describe('long answers', () => {
  it('continues in a new message at 12,000 characters, closing the code block and reopening it with its language', async () => {
    const { writer, replies, shown } = setup();
    const code = Array.from({ length: 700 }, (_, i) => `const value${i} = ${i};`).join('\n');
    const answer = `Here is the file:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    expect(answer.length).toBeGreaterThan(12_000);
    for (let i = 0; i < answer.length; i += 1_500) {
      writer.append(answer.slice(i, i + 1_500));
      await vi.advanceTimersByTimeAsync(500);
    }
    const result = await finish(writer);
    const [first, second] = shown();
    expect(replies()).toHaveLength(2);
    expect(result.messageTs).toHaveLength(2);
    expect(first!.length).toBeLessThanOrEqual(12_000);
    expect(first!.endsWith('\n```')).toBe(true);
    expect(second!.startsWith('```ts\n')).toBe(true);
    expect(second!.endsWith('```\n\nThat is all.')).toBe(true);
    // Every line of code is shown once, in order, across the two messages.
    const shownCode = `${first}\n${second}`.split('\n').filter((l) => l.startsWith('const '));
    expect(shownCode).toEqual(code.split('\n'));
    expect(replies().map((m) => m.streaming_state)).not.toContain('in_progress');
  });
});

describe('finishing while Slack rate-limits the reply', () => {
  it('waits out a short limit on edits and shows the rest in the same message', async () => {
    const { slack, writer, shown } = setup({ nativeStreaming: false });
    const text = await stream(writer, 20, 50);
    const started = Date.now();
    slack.failNext('chat.update', { retryAfter: 5 });
    writer.append('the end.');
    const result = await finish(writer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(shown()).toEqual([`${text}the end.`]);
    expect(result.undelivered).toBeUndefined();
  });

  it('continues in a new message at once when edits are held back for long', async () => {
    const { slack, writer, shown } = setup({ nativeStreaming: false });
    const text = await stream(writer, 20, 50);
    const started = Date.now();
    slack.failNext('chat.update', { retryAfter: 90 });
    writer.append('the end.');
    const result = await finish(writer);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(shown()).toEqual(['w0 ', `${text.slice('w0 '.length)}the end.`]);
    expect(result.undelivered).toBeUndefined();
  });

  it('gives the rest up after the ten-minute drain deadline instead of waiting forever, and says so', async () => {
    const { slack, writer, lines, shown } = setup({ nativeStreaming: false });
    const text = await stream(writer, 10, 50);
    const started = Date.now();
    slack.failFor('chat.update', { retryAfter: 60 });
    slack.failFor('chat.postMessage', { retryAfter: 60 });
    writer.append('the end.');
    const result = await finish(writer);
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(10 * 60_000);
    expect(waited).toBeLessThan(11 * 60_000);
    expect(shown()).toEqual(['w0 ']);
    expect(result.undelivered).toBe(`${text}the end.`.length - 'w0 '.length);
    expect(lines.some((l) => l.msg === 'could not deliver the whole answer to Slack')).toBe(true);
  });
});

describe('Slack Connect', () => {
  it("names the asker's own team as the stream's recipient", async () => {
    const { slack, writer } = setup({}, { recipientUserId: 'U_GUEST', recipientTeamId: 'T_PARTNER' });
    await stream(writer, 3, 50);
    await finish(writer);
    expect(slack.callsTo('chat.startStream')[0]!.args).toMatchObject({
      recipient_user_id: 'U_GUEST',
      recipient_team_id: 'T_PARTNER',
    });
  });
});

describe('blocks under the answer that Slack refuses', () => {
  const TABLE = [{ type: 'table', rows: [[{ type: 'raw_text', text: 'SUP-1' }]] }] as never;
  const LINES = '• SUP-1 · VPN drops\n• SUP-2 · Printer';

  it('still ends a streamed answer, with the blocks’ text in their place', async () => {
    const { slack, writer, replies } = setup();
    await stream(writer, 3, 50);
    slack.failNext('chat.stopStream', { error: 'invalid_blocks' });
    const done = writer.finish({ outcome: 'answered', blocks: TABLE, blocksText: LINES });
    await vi.runAllTimersAsync();
    expect((await done).undelivered).toBeUndefined();
    const [reply, ...more] = replies();
    expect(more).toEqual([]);
    // Not left streaming: Slack would show it as still being written until the stream expires.
    expect(reply!.streaming_state).toBe('completed');
    expect(reply!.text).toBe(`w0 w1 w2 \n\n${LINES}`);
    expect(reply!.blocks).toBeUndefined();
  });

  it('still ends a posted answer, with the blocks’ text in their place', async () => {
    const { slack, writer, shown } = setup({ nativeStreaming: false });
    await stream(writer, 3, 50);
    slack.failNext('chat.update', { error: 'invalid_blocks' });
    const done = writer.finish({ outcome: 'answered', blocks: TABLE, blocksText: LINES });
    await vi.runAllTimersAsync();
    expect((await done).undelivered).toBeUndefined();
    expect(shown()).toEqual([`w0 w1 w2 \n\n${LINES}`]);
  });
});
