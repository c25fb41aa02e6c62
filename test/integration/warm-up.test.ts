import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const readyz = async () => {
  const res = await fetch(`http://127.0.0.1:${h.port}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, boolean> } };
};

describe('warming up at start', () => {
  it('says ready only once a pass through Redis, Slack and OpenAI has opened their connections', async () => {
    h = new Harness({ skipWarmUpWait: true });
    const release = h.slack.holdCalls('api.test');
    await h.start();
    const during = await readyz();
    expect(during.status).toBe(503);
    expect(during.body.checks).toMatchObject({ warm_up: false, store: true, queue: true });

    release();
    await h.waitForLog((l) => l.msg === 'warm-up finished');
    expect((await readyz()).status).toBe(200);
    expect(h.slack.callsTo('api.test')).toHaveLength(1);
    expect(h.openai.requests.some((r) => r.path.startsWith('/v1/models/'))).toBe(true);
  });

  it('still becomes ready and answers when a warm-up call fails', async () => {
    h = new Harness();
    h.slack.failFor('api.test', { status: 503 });
    await h.start();
    expect(h.parsedLogs().some((l) => l.msg === 'warm-up step failed; carrying on' && l.step === 'slack')).toBe(true);
    expect((await readyz()).status).toBe(200);
    h.slack.heal();
    const sent = await h.mention({ text: 'are you there?' });
    await h.turnFinished(sent.eventId);
    expect(h.replies('C0SUP1', h.slack.messages('C0SUP1')[0]!.ts)).toHaveLength(1);
  });
});
