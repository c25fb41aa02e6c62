import { afterEach, describe, expect, it } from 'vitest';
import { appMention } from '../fakes/slack-events.js';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

describe('Socket Mode', () => {
  it('answers a mention delivered over the socket and serves health checks on PORT', async () => {
    h = await new Harness({ socketMode: true }).start();
    await h.slack.waitForSocketConnections(1);
    h.openai.enqueue({ kind: 'text', text: 'Answered over Socket Mode.' });
    const event = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${h.slack.botUserId}> hello` });
    const delivered = await h.slack.socketEnvelope('events_api', event);
    expect(delivered.acked).toBe(true);
    await h.waitForLog((l) => l.msg === 'turn finished');
    expect(h.replies('C0SUP1', String(event.ts)).map((m) => m.text)).toEqual(['Answered over Socket Mode.']);
    expect((await fetch(`http://127.0.0.1:${h.port}/healthz`)).status).toBe(200);
  });

  it('answers a redelivered envelope only once', async () => {
    h = await new Harness({ socketMode: true }).start();
    await h.slack.waitForSocketConnections(1);
    const event = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${h.slack.botUserId}> once` });
    await h.slack.socketEnvelope('events_api', event);
    await h.slack.socketEnvelope('events_api', event, { retryAttempt: 1, retryReason: 'timeout' });
    await h.waitForLog((l) => l.msg === 'turn finished');
    await h.settled();
    expect(h.openai.responsesRequests()).toHaveLength(1);
  });
});
