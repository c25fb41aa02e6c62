import { afterEach, describe, expect, it } from 'vitest';
import { TokenCounter } from '../../src/turn/tokens.js';
import { estimateTokens } from '../fakes/sse.js';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const CH = 'C0SUP1';
const counter = new TokenCounter();
const long = (seed: string, n = 150) => Array.from({ length: n }, (_, i) => `${seed}-${i % 50}`).join(' ');
const lastRoot = (hh: Harness) =>
  hh.slack
    .messages(CH)
    .filter((m) => m.user !== hh.slack.botUserId)
    .at(-1)!.ts;
const visible = (hh: Harness, root: string) =>
  hh
    .replies(CH, root)
    .map((m) => m.text)
    .join('\n');
type Input = Array<{ role?: string; content?: unknown }>;
const texts = (input: Input) =>
  input.map((i) => (typeof i.content === 'string' ? i.content : JSON.stringify(i.content)));

/** What the request costs by our count: instructions plus every input item with its framing. */
function inputTokens(body: { instructions: string; input: Input }): number {
  return counter.fixed(body.instructions, []) + texts(body.input).reduce((n, t) => n + 4 + counter.text(t), 0);
}

async function thread(hh: Harness, turns: number, text: (i: number) => string): Promise<string> {
  const first = await hh.mention({ text: text(0) });
  await hh.turnFinished(first.eventId);
  const root = hh.slack.messages(CH)[0]!.ts;
  for (let i = 1; i < turns; i++) {
    const next = await hh.message({ channel: CH, thread_ts: root, text: text(i) });
    await hh.turnFinished(next.eventId);
  }
  return root;
}

describe('every call fits the context budget', () => {
  it('keeps a 40-turn thread of long messages under max_input_tokens, always with the newest question', async () => {
    h = await new Harness({ yaml: 'context:\n  max_input_tokens: 3000\nslack:\n  first_flush_ms: 0\n' }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: long('answer'), chunkSize: 400 }));
    const root = await thread(h, 40, (i) => `question ${i}: ${long(`q${i}`)}`);
    const requests = h.openai.responsesRequests();
    expect(requests).toHaveLength(40);
    for (const [i, r] of requests.entries()) {
      expect(inputTokens(r.body)).toBeLessThanOrEqual(3000);
      expect(texts(r.body.input).at(-1)).toContain(`question ${i}:`);
    }
    const last = requests.at(-1)!.body;
    expect(JSON.stringify(last.input)).not.toContain('question 1:');
    expect(last.instructions).toMatch(/oldest messages of this conversation are not included/);
    expect(h.replies(CH, root)).toHaveLength(40);
    // Every call still told OpenAI about this thread's cache and kept one prefix key.
    expect(new Set(requests.map((r) => r.body.prompt_cache_key)).size).toBe(1);
  }, 60_000);

  it.each([
    [
      'a 400 before streaming',
      {
        kind: 'http_error',
        status: 400,
        error: {
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
          message: 'Your input exceeds the context window of this model.',
          param: 'input',
        },
      },
    ],
    [
      'an error event inside the stream',
      {
        kind: 'stream_error',
        error: {
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
          message: 'Your input exceeds the context window of this model.',
          param: 'input',
        },
      },
    ],
  ] as const)('recovers from context_length_exceeded as %s by trimming harder once', async (_name, failure) => {
    h = await new Harness({ yaml: 'slack:\n  first_flush_ms: 0\n' }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: long('answer', 60) }));
    const root = await thread(h, 4, (i) => `question ${i}: ${long(`q${i}`, 60)}`);
    h.openai.enqueue(failure, { kind: 'text', text: 'Answer after trimming.' });
    const last = await h.message({ channel: CH, thread_ts: root, text: 'the newest question' });
    await h.turnFinished(last.eventId);
    const [tooLong, retry] = h.openai
      .responsesRequests()
      .slice(-2)
      .map((r) => r.body);
    expect(inputTokens(retry)).toBeLessThanOrEqual(inputTokens(tooLong) / 2);
    expect(texts(retry.input).at(-1)).toContain('the newest question');
    expect(visible(h, root)).toContain('Answer after trimming.');
    expect(visible(h, root)).not.toMatch(/context window/);
    await h.waitForLog((l) => l.msg === 'input still too long for the model; trimming harder and retrying once');
  });

  it('summarizes dropped turns with the cheaper model when one is configured, and counts that call too', async () => {
    h = await new Harness({
      yaml: 'context:\n  max_input_tokens: 2000\n  summarize_model: gpt-4o-mini\nslack:\n  first_flush_ms: 0\n',
    }).start();
    h.openai.setDefault((req) =>
      req.body.metadata?.purpose === 'summary'
        ? { kind: 'text', text: 'Ada asked about invoices; the refund was approved.' }
        : { kind: 'text', text: long('answer', 80) },
    );
    const root = await thread(h, 8, (i) => `question ${i}: ${long(`q${i}`, 80)}`);
    const requests = h.openai.responsesRequests().map((r) => r.body);
    const summaries = requests.filter((b) => b.metadata?.purpose === 'summary');
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries[0]).toMatchObject({ model: 'gpt-4o-mini', store: false });
    expect(JSON.stringify(summaries[0].input)).toContain('question 0:');
    const last = requests.filter((b) => b.metadata?.purpose !== 'summary').at(-1)!;
    expect(last.instructions).toContain('Summary of the earlier part of this conversation');
    expect(last.instructions).toContain('the refund was approved');
    expect(inputTokens(last)).toBeLessThanOrEqual(2000);
    expect(texts(last.input).at(-1)).toContain('question 7:');
    expect(h.replies(CH, root)).toHaveLength(8);
    expect(
      h
        .parsedLogs()
        .some(
          (l) => l.event === 'model_call' && l.model === 'gpt-4o-mini-2024-07-18' && typeof l.cost_usd === 'number',
        ),
    ).toBe(true);
  });

  it('uses the channel output cap and says why an answer stopped early', async () => {
    h = await new Harness({ yaml: 'channels:\n  C0SUP1:\n    max_output_tokens: 256\n' }).start();
    h.openai.enqueue({ kind: 'text', text: 'Part of it', status: 'incomplete', incompleteReason: 'max_output_tokens' });
    const a = await h.mention({ text: 'long please' });
    await h.turnFinished(a.eventId);
    expect(h.openai.responsesRequests()[0]!.body.max_output_tokens).toBe(256);
    expect(visible(h, h.slack.messages(CH)[0]!.ts)).toMatch(/cut off at the length limit \(256 tokens\)/);
    h.openai.enqueue({ kind: 'text', text: 'Some', status: 'incomplete', incompleteReason: 'content_filter' });
    const b = await h.mention({ text: 'something else' });
    await h.turnFinished(b.eventId);
    expect(visible(h, lastRoot(h))).toMatch(/stopped by OpenAI's content filter/);
  });
});

describe('usage, cost and the per-call log line', () => {
  it('logs one line per model call with request id, dated model, hashed ids, tokens, cached tokens, cost and latency', async () => {
    h = await new Harness().start();
    h.openai.enqueue({
      kind: 'text',
      text: 'Cached answer.',
      usage: { input_tokens: 12_000, cached_tokens: 8_000, output_tokens: 500 },
    });
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    const line = await h.waitForLog((l) => l.event === 'model_call');
    expect(line).toMatchObject({
      model: 'gpt-4o-2024-08-06',
      status: 'completed',
      input_tokens: 12_000,
      cached_tokens: 8_000,
      output_tokens: 500,
      cost_usd: 0.025,
    });
    expect(String(line.request_id)).toMatch(/^req_/);
    for (const k of ['team', 'channel', 'user']) expect(String(line[k])).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof line.latency_ms).toBe('number');
    expect(JSON.stringify(line)).not.toContain('U1');
  });

  it('refuses a user over the daily limit with the reset time, without calling the model', async () => {
    h = await new Harness({ yaml: 'limits:\n  user_daily_tokens: 1\n' }).start();
    const first = await h.mention({ text: 'first' });
    await h.turnFinished(first.eventId);
    const second = await h.mention({ text: 'second' });
    expect(await h.turnFinished(second.eventId)).toMatchObject({ outcome: 'refused' });
    expect(h.openai.responsesRequests()).toHaveLength(1);
    const refusal = visible(h, lastRoot(h));
    expect(refusal).toMatch(/reached your daily limit of 1 tokens .* resets at .*12:00 AM UTC, in \d/);
    // Another person in the same workspace is not affected.
    const other = await h.mention({ text: 'me too', user: 'U2' });
    await h.turnFinished(other.eventId);
    expect(h.openai.responsesRequests()).toHaveLength(2);
  });

  it('lets one of twenty concurrent turns through for a user at the limit (real Redis)', async () => {
    h = await new Harness({ yaml: 'limits:\n  user_daily_tokens: 1\n' }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'ok', firstTokenDelayMs: 200 }));
    const sent = await Promise.all(Array.from({ length: 20 }, (_, i) => h.mention({ text: `question ${i}` })));
    const outcomes = await Promise.all(sent.map((s) => h.turnFinished(s.eventId)));
    expect(outcomes.filter((o) => o.outcome === 'answered')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'refused')).toHaveLength(19);
    expect(h.openai.responsesRequests()).toHaveLength(1);
  });

  it('answers /threadwise usage privately with the caller today and the workspace this month; admins see top users', async () => {
    h = await new Harness({
      yaml: 'limits:\n  user_daily_tokens: 50000\n  workspace_monthly_usd: 100\n  admins: [UADMIN]\n',
    }).start();
    h.openai.enqueue(
      { kind: 'text', text: 'one', usage: { input_tokens: 1_000, output_tokens: 100 } },
      { kind: 'text', text: 'two', usage: { input_tokens: 3_000, output_tokens: 300 } },
    );
    for (const user of ['U1', 'U2']) {
      const s = await h.mention({ text: 'hi', user });
      await h.turnFinished(s.eventId);
    }
    const mine = await h.slash('usage');
    expect(mine.status).toBe(200);
    expect(mine.json.response_type).toBe('ephemeral');
    expect(mine.json.text).toMatch(
      /Your usage today[\s\S]*1,100 tokens[\s\S]*\$0\.0035[\s\S]*Daily limit here: 50,000 tokens — 48,900 left/,
    );
    expect(mine.json.text).toMatch(
      /This workspace in [\s\S]*4,400 tokens[\s\S]*2 model calls[\s\S]*Monthly budget: \$100\.00/,
    );
    expect(mine.json.text).not.toContain('Top users');
    const admin = await h.slash('usage', { user: 'UADMIN' });
    expect(admin.json.text).toMatch(
      /Top users this month\*\n1\. <@U2> — 3,300 tokens, \$0\.01\n2\. <@U1> — 1,100 tokens/,
    );
    const help = await h.slash('frobnicate');
    expect(help.json.text).toMatch(/I don't know `frobnicate`[\s\S]*\/threadwise usage/);
  });
});

describe('OpenAI rate limits', () => {
  it('tells the user when the OpenAI account is out of quota (also inside a stream) and alerts admins in the log', async () => {
    h = await new Harness().start();
    h.openai.enqueue({
      kind: 'stream_error',
      error: {
        type: 'insufficient_quota',
        code: 'insufficient_quota',
        message: 'You exceeded your current quota, please check your plan and billing details.',
      },
    });
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    expect(h.openai.responsesRequests()).toHaveLength(1);
    expect(visible(h, lastRoot(h))).toMatch(/out of quota/);
    expect(await h.waitForLog((l) => l.alert === 'openai_insufficient_quota')).toMatchObject({
      level: 50,
      error_kind: 'quota',
    });
  });

  it('answers a burst of 50 turns with at most max_concurrent_calls in flight, no 429s, and queue positions shown', async () => {
    h = await new Harness({
      yaml: 'rate_limits:\n  max_concurrent_calls: 4\nchannels:\n  C0SUP1:\n    max_output_tokens: 100\n',
      openai: { limits: { tokensPerMinute: 9_000 } },
    }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'fine', firstTokenDelayMs: 80 }));
    const sent = await Promise.all(Array.from({ length: 50 }, (_, i) => h.mention({ text: `burst ${i}` })));
    const outcomes = await Promise.all(sent.map((s) => h.turnFinished(s.eventId, 60_000)));
    expect(outcomes.every((o) => o.outcome === 'answered')).toBe(true);
    expect(h.openai.responsesRequests()).toHaveLength(50);
    expect(h.openai.maxInFlight).toBeLessThanOrEqual(4);
    expect(h.openai.rateLimited).toBe(0);
    // The burst asks for more than a minute's tokens, so firing it all at once would have met 429s.
    const demanded = h.openai
      .responsesRequests()
      .reduce((n, r) => n + estimateTokens(r.body) + r.body.max_output_tokens, 0);
    expect(demanded).toBeGreaterThan(9_000);
    const statuses = h.slack.callsTo('assistant.threads.setStatus').map((c) => String(c.args.status));
    expect(statuses.some((s) => /busy — you're #\d+ in line/.test(s))).toBe(true);
    const roots = h.slack.messages(CH).filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    for (const r of roots) expect(h.replies(CH, r.ts).map((m) => m.text)).toEqual(['fine']);
  }, 90_000);
});
