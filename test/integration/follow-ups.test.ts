import { afterEach, describe, expect, it } from 'vitest';
import { appMention, messageEvent } from '../fakes/slack-events.js';
import { SIGNAL_TIMEOUT_MS } from '../support/wait.js';
import { Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const finishedTurns = (harness: Harness) => harness.parsedLogs().filter((l) => l.msg === 'turn finished').length;

/** Re-checked on every log line and request of the running harness (no polling); `timeoutMs` is a floor. */
const until = (check: () => boolean, timeoutMs: number, what: string) =>
  h!.until(check, what, Math.max(timeoutMs, SIGNAL_TIMEOUT_MS));

describe('a follow-up typed while the first answer is still being written', () => {
  for (const socketMode of [false, true]) {
    it(`is answered after it, in the same thread (${socketMode ? 'Socket Mode' : 'HTTP'})`, async () => {
      const harness = await new Harness({ socketMode }).start();
      h = harness;
      if (socketMode) await harness.slack.waitForSocketConnections(1);
      harness.openai.enqueue(
        { kind: 'text', text: 'The first answer.', firstTokenDelayMs: 1_500 },
        { kind: 'text', text: 'The follow-up answer.' },
      );
      const deliver = async (event: Record<string, unknown>) => {
        if (!socketMode) return (await harness.send(event)).status === 200;
        return (await harness.slack.socketEnvelope('events_api', event)).acked;
      };
      const question = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${harness.slack.botUserId}> first?` });
      expect(await deliver(question)).toBe(true);
      // The model is working on the first answer; nothing of the thread is stored yet.
      await harness.openai.waitForRequests(1);
      const followUp = messageEvent({
        user: 'U1',
        channel: 'C0SUP1',
        thread_ts: String(question.ts),
        text: 'and then?',
      });
      expect(await deliver(followUp)).toBe(true);

      await until(() => finishedTurns(harness) === 2, 15_000, 'both turns to finish');
      expect(harness.replies('C0SUP1', String(question.ts)).map((m) => m.text)).toEqual([
        'The first answer.',
        'The follow-up answer.',
      ]);
      expect(JSON.stringify(harness.openai.responsesRequests()[1]!.body.input)).toContain('and then?');
    });
  }

  it('a follow-up the bot leaves alone is logged at info with the reason', async () => {
    h = await new Harness({ redis: false }).start();
    const root = messageEvent({ user: 'U1', channel: 'C0SUP1', text: 'people talking' });
    await h.send(root);
    const reply = await h.send(
      messageEvent({ user: 'U2', channel: 'C0SUP1', thread_ts: String(root.ts), text: 'yes' }),
    );
    expect(reply.status).toBe(200);
    const line = await h.waitForLog((l) => l.msg === 'thread follow-up not answered');
    expect(line).toMatchObject({ level: 30, event_id: reply.eventId, reason: 'the bot takes no part in this thread' });
  });
});
