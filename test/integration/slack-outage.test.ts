import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());
const CH = 'C0SUP1';

/** The ts of the n-th message a person posted in the channel (the thread the bot answers in). */
const asked = (n = 0) => h.slack.messages(CH).filter((m) => m.user !== h.slack.botUserId)[n]!.ts;

describe('when Slack fails while an answer is written', () => {
  it('still shows the whole answer, by post and update, when chat.startStream answers HTTP 500 for 20 seconds', async () => {
    h = await new Harness().start();
    h.slack.failFor('chat.startStream', { status: 500 }, 20_000);
    const answer = 'The deploy is green again: the failing migration was rolled back.';
    h.openai.enqueue({ kind: 'text', text: answer, chunkSize: 6, deltaDelayMs: 20 });
    const started = Date.now();
    const sent = await h.mention({ text: 'is the deploy ok?' });
    const finished = await h.turnFinished(sent.eventId);
    expect(finished.outcome).toBe('answered');
    // Two tries of the stream (each retried twice by the client), then the answer is posted: seconds, not 20.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.slack.callsTo('chat.startStream').length).toBeLessThanOrEqual(6);
    expect(h.slack.callsTo('chat.startStream').every((c) => c.status === 500)).toBe(true);
    expect(h.replies(CH, asked()).map((m) => m.text)).toEqual([answer]);
  });

  it('does not record an answer Slack never showed as answered, and the next question does not build on it', async () => {
    h = await new Harness().start();
    h.slack.failFor('chat.startStream', { status: 503 });
    h.slack.failFor('chat.postMessage', { error: 'not_in_channel' });
    h.openai.enqueue({ kind: 'text', text: 'An answer nobody will ever see.' });
    const first = await h.mention({ text: 'first question about invoices' });
    const finished = await h.turnFinished(first.eventId);
    expect(finished).toMatchObject({ outcome: 'undelivered', level: 50 });
    expect(h.replies(CH, asked())).toEqual([]);

    h.slack.heal();
    h.openai.enqueue({ kind: 'text', text: 'Here is the answer about invoices.' });
    const second = await h.mention({ text: 'are you there?', thread_ts: asked() });
    await h.turnFinished(second.eventId);
    const input = JSON.stringify(h.openai.responsesRequests().at(-1)!.body.input);
    expect(input).toContain('first question about invoices');
    expect(input).not.toContain('An answer nobody will ever see.');
    expect(h.replies(CH, asked()).map((m) => m.text)).toEqual(['Here is the answer about invoices.']);
  });
});

describe('Slack Connect', () => {
  it("streams to the asker's own team when they belong to another organisation", async () => {
    h = await new Harness().start();
    const sent = await h.mention({ text: 'hello from a partner', user: 'U0GUEST', userTeam: 'T0PARTNER' });
    await h.turnFinished(sent.eventId);
    expect(h.slack.callsTo('chat.startStream')[0]!.args).toMatchObject({
      recipient_user_id: 'U0GUEST',
      recipient_team_id: 'T0PARTNER',
    });
  });

  it("names the workspace's team for its own members", async () => {
    h = await new Harness().start();
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    expect(h.slack.callsTo('chat.startStream')[0]!.args.recipient_team_id).toBe(h.slack.teamId);
  });
});
