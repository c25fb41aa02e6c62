import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

describe('answering in Slack threads', () => {
  it('answers an @mention in the message thread, streamed natively to the asking user', async () => {
    h = await new Harness().start();
    h.openai.enqueue({ kind: 'text', text: 'Restart the **worker** and check `/var/log/app.log`.', deltaDelayMs: 5 });
    const sent = await h.mention({ text: 'why is the queue stuck?' });
    expect(sent.status).toBe(200);
    await h.turnFinished(sent.eventId);

    const root = (await h.slack.messages('C0SUP1')).at(-1)!;
    const replies = h.replies('C0SUP1', root.thread_ts ?? root.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe('Restart the **worker** and check `/var/log/app.log`.');
    expect(replies[0]!.streaming_state).toBe('completed');
    // One status call: the stream's start replaces it in Slack, so no second call clears it.
    expect(h.slack.callsTo('assistant.threads.setStatus').map((c) => c.args.status)).toEqual(['is thinking…']);
    expect(h.slack.threadStatus('C0SUP1', root.thread_ts ?? root.ts)).toBeUndefined();
    const start = h.slack.callsTo('chat.startStream')[0]!;
    expect(start.args).toMatchObject({ channel: 'C0SUP1', recipient_user_id: 'U1', recipient_team_id: h.slack.teamId });

    const req = h.openai.responsesRequests()[0]!.body as Record<string, unknown>;
    expect(req).toMatchObject({ model: 'gpt-4o', stream: true, store: false, max_output_tokens: 4096 });
    expect(String(req.instructions)).toContain('Threadwise');
    expect(String(req.safety_identifier)).toMatch(/^[0-9a-f]{32}$/);
    expect(req.metadata).toMatchObject({ app: 'threadwise', turn: sent.eventId });
    // users.info for a new person is waited for briefly (TURN_LOCALE_WAIT_MS), so a prompt Slack brings the name.
    expect(req.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Ada: why is the queue stuck?' }] },
    ]);
  });

  it("keeps the asker's name, looked up while the model answered, with the question for the next turns", async () => {
    h = await new Harness().start();
    const first = await h.mention({ text: 'first question' });
    await h.turnFinished(first.eventId);
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;
    const follow = await h.message({ channel: 'C0SUP1', thread_ts: rootTs, text: 'and then?' });
    await h.turnFinished(follow.eventId);
    const input = h.openai.responsesRequests()[1]!.body.input as Array<{ content?: Array<{ text?: string }> }>;
    expect(input[0]!.content?.[0]?.text).toBe('Ada: first question');
    expect(input.at(-1)!.content?.[0]?.text).toBe('Ada: and then?');
  });

  it('resolves Slack markup into names the model can read', async () => {
    h = await new Harness().start();
    const sent = await h.mention({
      text: 'ask <@U2> about <https://status.example.com|the status page> in <#C0OPS7|ops> &amp; <!here>',
    });
    await h.turnFinished(sent.eventId);
    const input = JSON.stringify(h.openai.responsesRequests()[0]!.body.input);
    expect(input).toContain('ask @Grace about the status page (https://status.example.com) in #ops & @here');
  });

  it('acknowledges Slack before the model has said anything', async () => {
    h = await new Harness().start();
    h.openai.enqueue({ kind: 'text', text: 'slow answer', firstTokenDelayMs: 1500 });
    const sent = await h.mention({ text: 'hello' });
    expect(sent.status).toBe(200);
    expect(h.replies('C0SUP1', h.slack.messages('C0SUP1').at(-1)!.ts)).toHaveLength(0);
    await h.turnFinished(sent.eventId);
  });

  it('answers a DM, and a follow-up in a thread it takes part in without a new mention', async () => {
    h = await new Harness().start();
    const dm = await h.message({ channel: 'D0DM1', text: 'what is our travel policy?' });
    await h.turnFinished(dm.eventId);
    expect(h.replies('D0DM1', h.slack.messages('D0DM1')[0]!.ts)).toHaveLength(1);

    const first = await h.mention({ text: 'first question' });
    await h.turnFinished(first.eventId);
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;
    h.openai.enqueue({ kind: 'text', text: 'follow-up answer' });
    const follow = await h.message({ channel: 'C0SUP1', thread_ts: rootTs, text: 'and then?' });
    await h.turnFinished(follow.eventId);
    expect(h.replies('C0SUP1', rootTs).map((m) => m.text)).toContain('follow-up answer');
    expect(h.openai.responsesRequests()[2]!.body.input).toHaveLength(3);
  });

  it('ignores thread chatter where it was never asked, its own messages and edits', async () => {
    h = await new Harness().start();
    const other = await h.message({ channel: 'C0SUP1', thread_ts: '1700000000.000001', text: 'just chatting' });
    const own = await h.message({ channel: 'D0DM1', user: h.slack.botUserId, text: 'my own answer' });
    const edit = await h.message({ channel: 'D0DM1', subtype: 'message_changed', text: 'edited' });
    expect([other.status, own.status, edit.status]).toEqual([200, 200, 200]);
    await h.settled();
    expect(h.openai.responsesRequests()).toHaveLength(0);
  });

  it('follows up only on mention in a channel configured to require mentions', async () => {
    h = await new Harness({ yaml: 'channels:\n  C0SUP1:\n    require_mention: true\n' }).start();
    const first = await h.mention({ text: 'first' });
    await h.turnFinished(first.eventId);
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;
    await h.message({ channel: 'C0SUP1', thread_ts: rootTs, text: 'no mention' });
    await h.settled();
    expect(h.openai.responsesRequests()).toHaveLength(1);
  });

  it('answers once when Slack delivers a message both as app_mention and as message, and on retries', async () => {
    h = await new Harness().start();
    const ts = '1700000100.000100';
    const a = await h.mention({ text: 'once please', ts });
    const again = await h.mention(
      { text: 'once please', ts },
      { eventId: a.eventId, retryNum: 1, retryReason: 'http_timeout' },
    );
    const asMessage = await h.message({ channel: 'C0SUP1', ts, text: `<@${h.slack.botUserId}> once please` });
    expect([again.status, asMessage.status]).toEqual([200, 200]);
    await h.turnFinished(a.eventId);
    await h.settled();
    expect(h.openai.responsesRequests()).toHaveLength(1);
    expect(h.replies('C0SUP1', ts)).toHaveLength(1);
  });

  it('refuses a forged signature and a stale timestamp without calling the model', async () => {
    h = await new Harness().start();
    const forged = await h.mention({ text: 'forged' }, { badSignature: true });
    const stale = await h.mention({ text: 'stale' }, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    await h.settled();
    expect(h.openai.responsesRequests()).toHaveLength(0);
  });

  it('chains turns with previous_response_id when configured, sending only the new message', async () => {
    h = await new Harness({ yaml: 'openai:\n  chain_previous_response: true\n' }).start();
    const first = await h.mention({ text: 'first' });
    await h.turnFinished(first.eventId);
    const rootTs = h.slack.messages('C0SUP1')[0]!.ts;
    const second = await h.message({ channel: 'C0SUP1', thread_ts: rootTs, text: 'second' });
    await h.turnFinished(second.eventId);
    const [a, b] = h.openai.responsesRequests().map((r) => r.body as Record<string, unknown>);
    expect(a).toMatchObject({ store: true });
    expect(b!.previous_response_id).toMatch(/^resp_/);
    expect(b!.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Ada: second' }] },
    ]);
    expect(h.replies('C0SUP1', rootTs)).toHaveLength(2);
  });

  it('answers health checks', async () => {
    h = await new Harness().start();
    const res = await fetch(`http://127.0.0.1:${h.port}/healthz`);
    expect(res.status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${h.port}/readyz`)).status).toBe(200);
  });
});
