import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisFeedbackStore } from '../../src/platform/store/feedback.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import {
  appContextChanged,
  appHomeOpened,
  blockActionPayload,
  channelEntity,
  messageEntity,
} from '../fakes/slack-events.js';
import { pngScreenshot } from '../fixtures/files.js';
import { Harness, REDIS_URL } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const DM = 'D0ADA';
const lastInputText = () => {
  const input = h.openai.responsesRequests().at(-1)!.body.input as Array<{
    role?: string;
    content: string | Array<{ type: string; text?: string }>;
  }>;
  const last = input.filter((m) => m.role === 'user').at(-1)!;
  return typeof last.content === 'string'
    ? last.content
    : last.content
        .filter((p) => p.type === 'input_text')
        .map((p) => p.text)
        .join('');
};
const until = (check: () => boolean, what: string) => h.until(check, what);

describe('the Messages tab', () => {
  it('offers the configured suggested prompts when someone opens it', async () => {
    h = await new Harness({
      yaml: [
        'assistant:',
        '  prompts_title: Ask me about',
        '  suggested_prompts:',
        '    - { title: Travel, message: What is our travel policy? }',
        '    - { title: VPN, message: How do I set up the VPN? }',
      ].join('\n'),
    }).start();
    const res = await h.send(appHomeOpened({ user: 'U1', channel: DM, tab: 'messages' }));
    expect(res.status).toBe(200);
    expect(h.slack.suggestedPrompts(DM)).toEqual({
      title: 'Ask me about',
      prompts: [
        { title: 'Travel', message: 'What is our travel policy?' },
        { title: 'VPN', message: 'How do I set up the VPN?' },
      ],
    });
  });

  it('offers the default prompts in the language of the person who opens it', async () => {
    h = await new Harness().start();
    h.slack.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    await h.send(appHomeOpened({ user: 'U7', channel: 'D0YUI', tab: 'messages' }));
    await until(() => h.slack.suggestedPrompts('D0YUI') !== undefined, 'the suggested prompts');
    expect(h.slack.suggestedPrompts('D0YUI')).toEqual({
      title: 'こんな質問ができます',
      prompts: [
        { title: '何ができますか？', message: 'どんなことを手伝ってもらえますか？' },
        {
          title: 'スクリーンショットをトリアージ',
          message: 'エラーのスクリーンショットを貼り付けます。何が問題で、どのくらい深刻かを教えてください。',
        },
      ],
    });
    await h.send(appHomeOpened({ user: 'U1', channel: DM, tab: 'messages' }));
    await until(() => h.slack.suggestedPrompts(DM) !== undefined, 'the suggested prompts');
    expect(h.slack.suggestedPrompts(DM)?.title).toBe('Try asking');
  });

  it('gives the next question the message the person is viewing (permalink and text), once', async () => {
    h = await new Harness().start();
    h.slack.addChannel('C0BILL', { name: 'billing' });
    const viewed = h.slack.addMessage('C0BILL', { user: 'U2', text: 'Invoices fail with error 4012 since the update' });
    await h.send(appContextChanged({ user: 'U1', channel: DM, entities: [messageEntity('C0BILL', viewed)] }));

    const first = await h.message({ channel: DM, text: 'what does this error mean?' });
    await h.turnFinished(first.eventId);
    const text = lastInputText();
    expect(text).toContain('viewing a message in #billing');
    expect(text).toContain(`https://fake-team.slack.com/archives/C0BILL/p${viewed.replace('.', '')}`);
    expect(text).toContain('Invoices fail with error 4012 since the update');
    expect(text).toContain('what does this error mean?');

    const next = await h.message({ channel: DM, text: 'thanks', thread_ts: h.slack.messages(DM)[0]!.ts });
    await h.turnFinished(next.eventId);
    expect(lastInputText()).not.toContain('viewing');
  });

  it('keeps what the person views when app_context_changed has no user (as in Slack’s documented example)', async () => {
    h = await new Harness().start();
    h.slack.addChannel(DM, { name: 'directmessage', is_im: true, user: 'U1' });
    h.slack.addChannel('C0OPS', { name: 'ops' });
    const { user: _, ...withoutUser } = appContextChanged({
      user: 'U1',
      channel: DM,
      entities: [channelEntity('C0OPS')],
    });
    expect((await h.send(withoutUser)).status).toBe(200);
    const sent = await h.message({ channel: DM, text: 'is the ops channel busy?' });
    await h.turnFinished(sent.eventId);
    expect(lastInputText()).toContain('(While asking this, the user was viewing #ops.)');
  });

  it('names a channel the person is viewing and titles a new DM thread after its first question', async () => {
    h = await new Harness().start();
    h.slack.addChannel('C0OPS', { name: 'ops' });
    await h.send(appContextChanged({ user: 'U1', channel: DM, entities: [channelEntity('C0OPS')] }));
    const sent = await h.message({
      channel: DM,
      text: 'Why does the nightly backup job keep failing on the reporting database since Tuesday?',
    });
    await h.turnFinished(sent.eventId);
    expect(lastInputText()).toContain('(While asking this, the user was viewing #ops.)');
    const root = h.slack.messages(DM)[0]!.ts;
    expect(h.slack.agentSession(DM, root)?.title).toBe('Why does the nightly backup job keep failing on the…');

    const again = await h.message({ channel: DM, thread_ts: root, text: 'and on staging?' });
    await h.turnFinished(again.eventId);
    expect(h.slack.callsTo('agents.sessions.rename')).toHaveLength(1);
  });
});

describe('Stop', () => {
  it('keeps the session processing while a DM answer runs, and Stop ends it with what was shown (one process, no Redis)', async () => {
    h = await new Harness({ redis: false }).start();
    const words = Array.from({ length: 60 }, (_, i) => `step${i}`).join(' ');
    h.openai.enqueue({ kind: 'text', text: words, chunkSize: 6, deltaDelayMs: 200 });
    const sent = await h.message({ channel: DM, text: 'walk me through the VPN set-up' });
    const root = h.slack.messages(DM)[0]!.ts;
    await until(() => (h.replies(DM, root)[0]?.text ?? '').includes('step2'), 'a streaming answer');
    expect(h.slack.agentSession(DM, root)?.status).toBe('processing');

    await h.send(h.slack.pressStop(DM, root, 'U1'));
    const done = await h.turnFinished(sent.eventId);
    expect(done.outcome).toBe('stopped');
    const [reply, ...more] = h.replies(DM, root);
    expect(more).toEqual([]);
    expect(reply!.text).toMatch(/^step0 .*\n\n_Stopped\._$/s);
    expect(reply!.text).not.toContain('step59');
    expect(h.slack.agentSession(DM, root)?.history).toEqual(['processing', 'active']);
  });
});

describe('status while working', () => {
  it('says it is reading a screenshot, rotates loading messages, and clears when the answer is there', async () => {
    h = await new Harness({ yaml: 'assistant:\n  loading_messages: [Checking the logs…]' }).start();
    const shot = h.slack.addFile({
      id: 'F0ERR',
      name: 'error.png',
      mimetype: 'image/png',
      bytes: await pngScreenshot(800, 600),
    });
    const sent = await h.mention({ text: 'what is wrong here?', files: [shot] });
    await h.turnFinished(sent.eventId);
    const root = h.slack.messages('C0SUP1')[0]!.ts;
    const calls = h.slack.callsTo('assistant.threads.setStatus').map((c) => c.args);
    expect(calls[0]).toMatchObject({
      channel_id: 'C0SUP1',
      thread_ts: root,
      status: 'is reading your screenshot…',
      loading_messages: ['Reading your screenshot…', 'Checking the logs…'],
    });
    expect(h.slack.threadStatus('C0SUP1', root)).toBeUndefined();
  });

  it('shows a status in a DM too', async () => {
    h = await new Harness().start();
    const sent = await h.message({ channel: DM, text: 'hello' });
    await h.turnFinished(sent.eventId);
    expect(h.slack.callsTo('assistant.threads.setStatus')[0]!.args).toMatchObject({
      channel_id: DM,
      status: 'is thinking…',
    });
    expect(h.slack.threadStatus(DM, h.slack.messages(DM)[0]!.ts)).toBeUndefined();
  });
});

describe('feedback on answers', () => {
  it('puts feedback buttons under every answer; a click is thanked privately and stored with its answer', async () => {
    h = await new Harness().start();
    h.openai.enqueue({ kind: 'text', text: 'Restart the router.' });
    const sent = await h.mention({ text: 'wifi is down' });
    await h.turnFinished(sent.eventId);
    const root = h.slack.messages('C0SUP1')[0]!.ts;
    const answer = h.replies('C0SUP1', root)[0]!;
    expect(answer.blocks).toContainEqual(
      expect.objectContaining({
        type: 'context_actions',
        elements: [expect.objectContaining({ type: 'feedback_buttons', action_id: 'tw_feedback' })],
      }),
    );

    const click = await h.interact(
      blockActionPayload({
        user: 'U2',
        channel: 'C0SUP1',
        message_ts: answer.ts,
        thread_ts: root,
        action_id: 'tw_feedback',
        type: 'feedback_buttons',
        value: 'negative',
        message: { type: 'message', ts: answer.ts, thread_ts: root, user: 'UBOT', bot_id: 'BBOT', text: answer.text },
      }),
    );
    expect(click.status).toBe(200);
    expect(h.slack.ephemerals().at(-1)).toMatchObject({
      channel: 'C0SUP1',
      user: 'U2',
      text: expect.stringContaining('Thanks for the feedback'),
    });

    const redis = new Redis(REDIS_URL);
    try {
      const votes = await new RedisFeedbackStore(redis, storeKeys(h.prefix)).listSince(0);
      expect(votes).toEqual([
        {
          teamId: 'T0TEST',
          channel: 'C0SUP1',
          threadTs: root,
          messageTs: answer.ts,
          userId: 'U2',
          value: 'negative',
          at: expect.any(Number),
        },
      ]);
    } finally {
      await redis.quit();
    }
  });

  it('does not offer feedback on a failure notice', async () => {
    h = await new Harness().start();
    h.openai.enqueue({
      kind: 'http_error',
      status: 400,
      error: { message: 'bad', type: 'invalid_request_error', code: null },
    });
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    const reply = h.replies('C0SUP1', h.slack.messages('C0SUP1')[0]!.ts)[0]!;
    expect(JSON.stringify(reply.blocks ?? [])).not.toContain('feedback_buttons');
  });
});

describe('App Home', () => {
  it('publishes what the bot does, the commands and the viewer’s usage', async () => {
    h = await new Harness({ yaml: 'limits:\n  user_daily_tokens: 50000' }).start();
    const sent = await h.mention({ text: 'hello' });
    await h.turnFinished(sent.eventId);
    await h.send(appHomeOpened({ user: 'U1', channel: 'D0HOME', tab: 'home' }));
    await until(() => h.slack.publishedHome('U1') !== undefined, 'views.publish');
    const text = JSON.stringify(h.slack.publishedHome('U1')!.blocks);
    expect(text).toContain('Read screenshots, PDFs and text files');
    expect(text).toContain('/threadwise ask <question>');
    expect(text).toContain('/threadwise forget-me');
    expect(text).toMatch(/Today \(UTC\): \d[\d,]* tokens/);
    expect(text).toMatch(/Daily limit: 50,000 tokens — [\d,]+ left/);
  });
});
