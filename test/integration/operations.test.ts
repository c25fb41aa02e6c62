import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';
import { RedisServer } from './processes.js';

let h: Harness | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await h?.stop();
  await redis?.stop();
  h = undefined;
  redis = undefined;
});

/** The value of one sample in Prometheus text format; labels must all match (others may be present). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const scrape = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};

describe('operator endpoints', () => {
  it('exports turns, model calls, tokens, cost and latencies at /metrics after a turn', async () => {
    h = await new Harness({ redis: false }).start();
    h.openai.enqueue({
      kind: 'text',
      text: 'All queues are healthy.',
      usage: { input_tokens: 1200, cached_tokens: 1024, output_tokens: 9 },
    });
    const sent = await h.mention({ text: 'status?' });
    await h.turnFinished(sent.eventId);
    const text = await scrape(h.port);

    expect(sample(text, 'threadwise_turns_total', { outcome: 'answered' })).toBe(1);
    expect(sample(text, 'threadwise_model_calls_total', { status: 'completed' })).toBe(1);
    expect(sample(text, 'threadwise_model_tokens_total', { kind: 'input' })).toBe(1200);
    expect(sample(text, 'threadwise_model_tokens_total', { kind: 'cached' })).toBe(1024);
    expect(sample(text, 'threadwise_model_tokens_total', { kind: 'output' })).toBe(9);
    // gpt-4o: 176 uncached input at $2.50/M + 1,024 cached at $1.25/M + 9 output at $10/M.
    expect(sample(text, 'threadwise_cost_usd_total')).toBeCloseTo((176 * 2.5 + 1024 * 1.25 + 9 * 10) / 1e6, 8);
    expect(sample(text, 'threadwise_ack_seconds_count', { event: 'app_mention' })).toBe(1);
    for (const name of [
      'threadwise_queue_wait_seconds_count',
      'threadwise_time_to_first_token_seconds_count',
      'threadwise_time_to_first_visible_text_seconds_count',
    ])
      expect(sample(text, name), name).toBe(1);
    expect(sample(text, 'threadwise_turn_seconds_count', { outcome: 'answered' })).toBe(1);
    expect(sample(text, 'threadwise_slack_api_calls_total', { method: 'chat.startStream', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'threadwise_slack_api_calls_total', { method: 'chat.stopStream', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'threadwise_queue_depth')).toBe(0);
    expect(sample(text, 'threadwise_model_streams_running')).toBe(0);
    expect(sample(text, 'threadwise_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts failed model calls by kind and Slack 429s by method', async () => {
    // Scaled Slack tiers: chat.startStream allows one call a minute, so the second answer is rate-limited.
    h = await new Harness({
      redis: false,
      slack: { rateLimits: 'tiers', tierScale: 0.05 },
      yaml: 'openai:\n  max_retries: 0\n',
    }).start();
    const first = await h.mention({ text: 'first' });
    await h.turnFinished(first.eventId);
    h.openai.enqueue({
      kind: 'http_error',
      status: 500,
      error: { message: 'The server had an error', type: 'server_error', code: 'server_error' },
    });
    const second = await h.mention({ text: 'second' });
    await h.turnFinished(second.eventId);
    const text = await scrape(h.port);

    expect(sample(text, 'threadwise_turns_total', { outcome: 'answered' })).toBe(1);
    expect(sample(text, 'threadwise_turns_total', { outcome: 'failed' })).toBe(1);
    expect(sample(text, 'threadwise_model_calls_total', { status: 'server' })).toBe(1);
    const limited = h.slack.rateLimitedCount('chat.startStream');
    expect(limited).toBeGreaterThan(0);
    expect(sample(text, 'threadwise_slack_rate_limited_total', { method: 'chat.startStream' })).toBe(limited);
    expect(sample(text, 'threadwise_slack_api_calls_total', { method: 'chat.startStream', outcome: 'error' })).toBe(
      limited,
    );
  });

  it('tags every log line of a turn with its id, the Slack ids and the OpenAI request id', async () => {
    h = await new Harness({ redis: false }).start();
    h.openai.enqueue({
      kind: 'http_error',
      status: 503,
      error: { message: 'overloaded', type: 'server_error', code: 'server_error' },
      headers: { 'retry-after-ms': '10' },
    });
    const sent = await h.mention({ text: 'hello', ts: '1700000200.000100' });
    const finished = await h.turnFinished(sent.eventId);
    const lines = h.parsedLogs().filter((l) => l.turn === sent.eventId);
    const byMsg = (msg: string) => lines.find((l) => l.msg === msg)!;

    const slack = {
      team: h.slack.teamId,
      channel: 'C0SUP1',
      thread_ts: '1700000200.000100',
      message_ts: '1700000200.000100',
      user: 'U1',
    };
    expect(finished).toMatchObject({ slack, outcome: 'answered', request_id: expect.stringMatching(/^req_/) });
    // The usage line names people only by hashes; the turn id ties it to the Slack ids above.
    expect(byMsg('model call finished')).toMatchObject({
      turn: sent.eventId,
      request_id: finished.request_id,
      response_id: finished.response_id,
    });
    expect(byMsg('model call finished').slack).toBeUndefined();
    // The failed first attempt is logged under the same turn, with the request id OpenAI gave it.
    expect(byMsg('retrying model call')).toMatchObject({ request_id: expect.stringMatching(/^req_/) });
    expect(byMsg('retrying model call').request_id).not.toBe(finished.request_id);
  });

  it('threadwise_queue_depth counts the turns waiting behind a running one, with Redis too', async () => {
    h = await new Harness().start();
    // The first answer takes a while; two more questions in its thread wait for it.
    h.openai.enqueue(
      { kind: 'text', text: 'First.', firstTokenDelayMs: 3_000 },
      { kind: 'text', text: 'Second.' },
      { kind: 'text', text: 'Third.' },
    );
    const first = await h.mention({ text: 'first' });
    await h.openai.waitForRequests(1);
    const root = h.slack.messages('C0SUP1')[0]!.ts;
    const queued = [
      await h.mention({ text: 'second', thread_ts: root }),
      await h.mention({ text: 'third', thread_ts: root }),
    ];
    expect(queued.map((q) => q.status)).toEqual([200, 200]);
    expect(sample(await scrape(h.port), 'threadwise_queue_depth')).toBe(3);
    await h.turnFinished(first.eventId);
    for (const q of queued) await h.turnFinished(q.eventId);
    // "turn finished" is the turn's last line; BullMQ marks the job completed just after it.
    await h.settled();
    expect(sample(await scrape(h.port), 'threadwise_queue_depth')).toBe(0);
  });

  it('serves /metrics and /readyz in Socket Mode too', async () => {
    h = await new Harness({ redis: false, socketMode: true }).start();
    expect(sample(await scrape(h.port), 'threadwise_queue_depth')).toBe(0);
    const ready = await fetch(`http://127.0.0.1:${h.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      ok: true,
      checks: { store: true, queue: true, accepting: true, openai_key: true, warm_up: true, models: true },
    });
  });

  it('reports not ready, naming OPENAI_API_KEY, while OpenAI refuses the key', async () => {
    h = await new Harness({ redis: false, env: { OPENAI_API_KEY: 'sk-proj-a-wrong-key-0123456789' } }).start();
    const error = await h.waitForLog(
      (l) => l.level === 50 && String(l.msg).startsWith('OpenAI refused OPENAI_API_KEY'),
    );
    expect(error.msg).toContain('HTTP 401 invalid_api_key');
    expect(h.openai.requests.find((r) => r.method === 'GET')!.path).toBe('/v1/models/gpt-4o');
    const res = await fetch(`http://127.0.0.1:${h.port}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      ok: false,
      checks: { store: true, queue: true, accepting: true, openai_key: false, warm_up: true, models: true },
      details: { openai_key: 'OpenAI refused OPENAI_API_KEY (HTTP 401 invalid_api_key)' },
    });
    expect(h.logs.join('\n')).not.toContain('a-wrong-key');
  });

  it('reports not ready while Redis is down, and ready again when it is back', async () => {
    redis = await new RedisServer().start();
    h = await new Harness({ redis: false, env: { REDIS_URL: redis.url } }).start();
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${h!.port}/readyz`);
      return { status: res.status, body: await res.json() };
    };
    expect(await readyz()).toEqual({
      status: 200,
      body: {
        ok: true,
        checks: { store: true, queue: true, accepting: true, openai_key: true, warm_up: true, models: true },
      },
    });

    await redis.stop();
    expect(await readyz()).toEqual({
      status: 503,
      body: {
        ok: false,
        checks: { store: false, queue: false, accepting: true, openai_key: true, warm_up: true, models: true },
      },
    });
    // Liveness is unaffected: restarting the process would not bring Redis back.
    expect((await fetch(`http://127.0.0.1:${h.port}/healthz`)).status).toBe(200);

    await redis.start();
    await expect.poll(async () => (await readyz()).status, { timeout: 45_000, interval: 200 }).toBe(200);
  });
});
