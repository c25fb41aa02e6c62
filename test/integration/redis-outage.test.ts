import { afterEach, describe, expect, it } from 'vitest';
import { appMention, messageEvent } from '../fakes/slack-events.js';
import { SIGNAL_TIMEOUT_MS } from '../support/wait.js';
import { Harness } from './harness.js';
import { freePort, RedisServer } from './processes.js';

// A private redis-server on a spare port that the test stops and starts again (append-only file on,
// as in production, so what was written before the outage is still there after it).
let h: Harness | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await h?.stop();
  await redis?.stop();
  h = redis = undefined;
});

async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}

/** /readyz reaching a status: readiness is polled the way a load balancer does, with a ceiling, not a pause. */
const readyzBecomes = (port: number, status: number, what: string) =>
  expect.poll(() => readyz(port), { timeout: SIGNAL_TIMEOUT_MS, interval: 100, message: what }).toBe(status);

describe('a Redis outage', () => {
  it('refuses events with 5xx while Redis is away, then answers their redelivery once Redis is back', async () => {
    redis = await new RedisServer().start();
    h = await new Harness({ env: { REDIS_URL: redis.url } }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'Answer.' }));
    const first = await h.mention({ text: 'before the outage' });
    await h.turnFinished(first.eventId);
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;
    expect(await readyz(h.port)).toBe(200);

    await redis.stop();
    await readyzBecomes(h.port, 503, '/readyz to fail');
    const question = messageEvent({ user: 'U1', channel: 'C0SUP1', thread_ts: rootTs, text: 'during the outage' });
    const refused = await h.send(question);
    expect(refused.status).toBeGreaterThanOrEqual(500);
    // Slack retries; still down: refused again, the bot keeps running.
    expect((await h.send(question, { eventId: refused.eventId, retryNum: 1 })).status).toBeGreaterThanOrEqual(500);

    await redis.start();
    await readyzBecomes(h.port, 200, '/readyz to recover');
    const delivered = await h.send(question, { eventId: refused.eventId, retryNum: 2 });
    expect(delivered.status).toBe(200);
    await h.turnFinished(refused.eventId);
    // A late duplicate delivery changes nothing.
    expect((await h.send(question, { eventId: refused.eventId, retryNum: 3 })).status).toBe(200);
    await h.settled();

    expect(h.replies('C0SUP1', rootTs).map((m) => m.text)).toEqual(['Answer.', 'Answer.']);
    const second = h.openai.responsesRequests()[1]!.body.input as unknown[];
    // The thread's memory from before the outage is intact.
    expect(JSON.stringify(second)).toMatch(/before the outage.*Answer\..*during the outage/);
    expect(h.openai.responsesRequests()).toHaveLength(2);
  });

  it('in Socket Mode leaves an event unacknowledged while Redis is away, so Slack delivers it again', async () => {
    redis = await new RedisServer().start();
    h = await new Harness({ socketMode: true, env: { REDIS_URL: redis.url } }).start();
    await h.slack.waitForSocketConnections(1);
    h.openai.setDefault(() => ({ kind: 'text', text: 'Socket answer.' }));
    await redis.stop();
    await readyzBecomes(h.port, 503, '/readyz to fail');

    const event = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${h.slack.botUserId}> over the socket` });
    const eventId = 'Ev0SOCKET0001';
    const lost = await h.slack.socketEnvelope('events_api', event, { eventId, timeoutMs: 2_500 });
    expect(lost.acked).toBe(false);

    await redis.start();
    await readyzBecomes(h.port, 200, '/readyz to recover');
    const again = await h.slack.socketEnvelope('events_api', event, {
      eventId,
      retryAttempt: 1,
      retryReason: 'timeout',
      timeoutMs: SIGNAL_TIMEOUT_MS,
    });
    expect(again.acked).toBe(true);
    await h.turnFinished(eventId);
    expect(h.replies('C0SUP1', String(event.ts)).map((m) => m.text)).toEqual(['Socket answer.']);
  });

  it('starts without Redis, refuses events until Redis appears, then answers without a restart', async () => {
    redis = new RedisServer();
    redis.port = await freePort();
    h = await new Harness({ env: { REDIS_URL: redis.url } }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'Up and running.' }));
    expect(await readyz(h.port)).toBe(503);
    const refused = await h.mention({ text: 'anyone?' });
    expect(refused.status).toBeGreaterThanOrEqual(500);

    await redis.start();
    await readyzBecomes(h.port, 200, '/readyz to recover');
    const root = h.slack.messages('C0SUP1')[0]!;
    const retried = await h.send(appMention({ user: 'U1', channel: 'C0SUP1', ts: root.ts, text: root.text }), {
      eventId: refused.eventId,
      retryNum: 1,
    });
    expect(retried.status).toBe(200);
    await h.turnFinished(refused.eventId);
    expect(h.replies('C0SUP1', root.ts).map((m) => m.text)).toEqual(['Up and running.']);
  });

  it('finishes an answer that was streaming while Redis restarted, once, and remembers it', async () => {
    redis = await new RedisServer().start();
    h = await new Harness({ env: { REDIS_URL: redis.url } }).start();
    h.openai.enqueue({
      kind: 'text',
      text: 'A steady answer that keeps streaming through the blip.',
      chunkSize: 4,
      deltaDelayMs: 100,
    });
    const sent = await h.mention({ text: 'long one' });
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;
    await h.until(() => (h!.replies('C0SUP1', rootTs)[0]?.text ?? '').length > 0, 'the answer to start');
    await redis.stop();
    // The blip lasts until the bot has noticed it, however slow the machine.
    await readyzBecomes(h.port, 503, '/readyz to fail');
    await redis.start();
    await h.turnFinished(sent.eventId);
    await h.settled();
    expect(h.replies('C0SUP1', rootTs).map((m) => m.text)).toEqual([
      'A steady answer that keeps streaming through the blip.',
    ]);
    const next = await h.mention({ text: 'and then?', thread_ts: rootTs });
    await h.turnFinished(next.eventId);
    expect(JSON.stringify(h.openai.responsesRequests().at(-1)!.body.input)).toContain(
      'keeps streaming through the blip.',
    );
    expect(h.openai.responsesRequests()).toHaveLength(2);
  });
});
