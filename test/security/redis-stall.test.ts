import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { appMention, buildEventEnvelope } from '../fakes/slack-events.js';
import { Harness } from '../integration/harness.js';
import { RedisServer } from '../integration/processes.js';

// A Redis that stops answering for 4 s (CLIENT PAUSE on a redis-server of the test's own, on a free port) while an
// event arrives. Slack redelivers an event it has no answer for after 3 s, so the ack must never take that long:
// the work before the ack is bounded and answered 5xx fast, and Slack's redeliveries still end in one answer.
let h: Harness | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await h?.stop();
  await redis?.stop();
  h = redis = undefined;
});

const SLACK_TIMEOUT_MS = 3_000;

describe('a Redis stall while an event arrives', () => {
  it('answers 5xx within Slack’s 3 s and still answers the question exactly once after redelivery', async () => {
    redis = await new RedisServer().start();
    h = await new Harness({ env: { REDIS_URL: redis.url } }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'Answer.' }));
    const warm = await h.mention({ text: 'before the stall' });
    await h.turnFinished(warm.eventId);

    const question = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${h.slack.botUserId}> during the stall` });
    const admin = new Redis(redis.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');
      const first = await h.send(question);
      expect(first.elapsedMs).toBeLessThan(SLACK_TIMEOUT_MS);
      expect(first.status).toBeGreaterThanOrEqual(500);
      // The accept's own deadline (or the delivery's, whichever comes first) turns the stall into a redelivery.
      expect(
        h
          .parsedLogs()
          .some(
            (l) =>
              typeof l.msg === 'string' &&
              l.msg.startsWith('event not taken on') &&
              l.msg.endsWith('asking Slack to deliver it again'),
          ),
      ).toBe(true);

      // Slack delivers it again (the same event id) until it gets a 200; every answer comes in time.
      let status = first.status;
      for (let retry = 1; status !== 200; retry++) {
        expect(retry).toBeLessThanOrEqual(4);
        const again = await h.send(question, { eventId: first.eventId, retryNum: retry });
        expect(again.elapsedMs).toBeLessThan(SLACK_TIMEOUT_MS);
        status = again.status;
      }
      await h.turnFinished(first.eventId);
    } finally {
      await admin.quit();
    }

    // Exactly once: a later question finishes after anything a duplicate could have started.
    const later = await h.mention({ text: 'after the stall' });
    await h.turnFinished(later.eventId);
    expect(h.openai.responsesRequests()).toHaveLength(3);
    expect(h.replies('C0SUP1', String(question.ts)).map((m) => m.text)).toEqual(['Answer.']);
  });

  it('over Socket Mode leaves the envelope unacknowledged (Slack redelivers it) and answers once', async () => {
    redis = await new RedisServer().start();
    h = await new Harness({ socketMode: true, env: { REDIS_URL: redis.url } }).start();
    await h.slack.waitForSocketConnections(1);
    h.openai.setDefault(() => ({ kind: 'text', text: 'Answer.' }));
    const question = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${h.slack.botUserId}> during the stall` });
    const envelope = buildEventEnvelope(question, { authedUserId: h.slack.botUserId });
    const admin = new Redis(redis.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');
      const first = await h.slack.socketEnvelope('events_api', envelope, { timeoutMs: SLACK_TIMEOUT_MS });
      expect(first.acked).toBe(false);
      let acked = false;
      for (let retry = 1; !acked; retry++) {
        expect(retry).toBeLessThanOrEqual(4);
        const again = await h.slack.socketEnvelope('events_api', envelope, {
          retryAttempt: retry,
          retryReason: 'timeout',
          timeoutMs: SLACK_TIMEOUT_MS,
        });
        acked = again.acked;
      }
      await h.turnFinished(String(envelope.event_id));
    } finally {
      await admin.quit();
    }
    const later = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${h.slack.botUserId}> after the stall` });
    const laterEnvelope = buildEventEnvelope(later, { authedUserId: h.slack.botUserId });
    expect((await h.slack.socketEnvelope('events_api', laterEnvelope)).acked).toBe(true);
    await h.turnFinished(String(laterEnvelope.event_id));
    expect(h.openai.responsesRequests()).toHaveLength(2);
    expect(h.replies('C0SUP1', String(question.ts)).map((m) => m.text)).toEqual(['Answer.']);
  });
});
