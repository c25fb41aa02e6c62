import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, REDIS_URL } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());
const CH = 'C0SUP1';

describe('how an answer streams into Slack', () => {
  it('shows the first words right away, then writes about once a second instead of once per token', async () => {
    h = await new Harness().start();
    // ~3 s of streaming at about 60 tokens per second.
    const text = Array.from({ length: 180 }, (_, i) => `word${i}`).join(' ');
    h.openai.enqueue({ kind: 'text', text, chunkSize: 6, deltaDelayMs: 17 });
    const sent = await h.mention({ text: 'stream please' });
    await h.turnFinished(sent.eventId);
    const writes = h.slack.calls.filter((c) =>
      ['chat.startStream', 'chat.appendStream', 'chat.stopStream'].includes(c.method),
    );
    const start = writes.find((c) => c.method === 'chat.startStream')!;
    // The first write carries only the first few words, not a 256-character buffer.
    expect(String(start.args.markdown_text).length).toBeLessThan(60);
    const deltas = h.slack.calls.filter((c) => c.method === 'chat.appendStream').length;
    expect(deltas).toBeGreaterThanOrEqual(1);
    // About once a second however long the stream took to arrive (a loaded machine stretches it). The gaps are
    // as Slack receives the writes, so a busy loopback shifts them by tens of milliseconds either way; once per
    // token would be 17 ms.
    const opened = writes.filter((c) => c.method !== 'chat.stopStream').map((c) => c.at);
    const gaps = opened.slice(1).map((t, i) => t - opened[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(deltas).toBeLessThanOrEqual(Math.ceil((writes.at(-1)!.at - start.at) / 1000) + 1);
    expect(h.replies(CH, h.slack.messages(CH)[0]!.ts)[0]!.text).toBe(text);
  });

  it('posts and edits a normal message when native streaming is turned off, rendering Markdown', async () => {
    h = await new Harness({ yaml: 'slack:\n  native_streaming: false\n' }).start();
    const md =
      '## Steps\n\n1. **Restart** the worker\n2. Check the [runbook](https://runbook.example.com)\n\n```sh\nsystemctl restart worker\n```';
    h.openai.enqueue({ kind: 'text', text: md, chunkSize: 10 });
    const sent = await h.mention({ text: 'how do I fix it?' });
    await h.turnFinished(sent.eventId);
    expect(h.slack.callsTo('chat.startStream')).toHaveLength(0);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(1);
    const reply = h.replies(CH, h.slack.messages(CH)[0]!.ts)[0]!;
    expect(reply.text).toContain('**Restart** the worker');
    expect(reply.text).toContain('```sh\nsystemctl restart worker\n```');
  });

  it('falls back to post and update when Slack refuses to start a stream, losing no text', async () => {
    // Tier 2 scaled down to one start per minute: the second answer cannot stream.
    h = await new Harness({ slack: { rateLimits: 'tiers', tierScale: 0.05 } }).start();
    h.openai.enqueue({ kind: 'text', text: 'first answer' }, { kind: 'text', text: 'second answer, complete.' });
    const a = await h.mention({ text: 'one' });
    await h.turnFinished(a.eventId);
    const b = await h.mention({ text: 'two' });
    await h.turnFinished(b.eventId);
    const root = h.slack.messages(CH).filter((m) => m.user === 'U1')[1]!;
    expect(h.slack.rateLimitedCount('chat.startStream')).toBeGreaterThanOrEqual(1);
    expect(h.replies(CH, root.ts).map((m) => m.text)).toEqual(['second answer, complete.']);
  });

  it('keeps a thread for the configured time to live', async () => {
    h = await new Harness({ yaml: 'state:\n  ttl_days: 2\n' }).start();
    const sent = await h.mention({ text: 'remember me' });
    await h.turnFinished(sent.eventId);
    const redis = new Redis(REDIS_URL);
    const [key] = await redis.keys(`${h.prefix}thread:*`);
    const ttl = await redis.ttl(key!);
    await redis.quit();
    expect(ttl).toBeGreaterThan(2 * 86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(2 * 86_400);
  });
});
