import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisFeedbackStore } from '../../src/platform/store/feedback.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import { RedisApprovalStore } from '../../src/platform/store/redis/redis-stores.js';
import { blockActionPayload, messageActionPayload, viewSubmissionPayload } from '../fakes/slack-events.js';
import { Harness, REDIS_URL } from './harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const DM = 'D0ADA';
type Input = Array<{ role?: string; content: string | Array<{ type: string; text?: string }> }>;
const userTexts = (i: number) =>
  (h.openai.responsesRequests()[i]!.body.input as Input)
    .filter((m) => m.role === 'user')
    .map((m) => (typeof m.content === 'string' ? m.content : m.content.map((p) => p.text ?? '').join('')));
const finished = () => h.parsedLogs().filter((l) => l.msg === 'turn finished').length;
const until = (check: () => boolean, what: string) => h.until(check, what);

describe('/threadwise', () => {
  it('ask: posts the question and answers it in a new thread through the turn queue', async () => {
    h = await new Harness().start();
    h.openai.enqueue({ kind: 'text', text: 'Book through the portal.' });
    const res = await h.slash('ask how do I book a flight?');
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('new thread') });
    await until(() => finished() === 1, 'the answer');
    const [root] = h.slack.messages('C0SUP1');
    expect(root!.text).toBe('<@U1> asked: how do I book a flight?');
    expect(h.replies('C0SUP1', root!.ts).map((m) => m.text)).toEqual(['Book through the portal.']);
    expect(userTexts(0).at(-1)).toContain('how do I book a flight?');
  });

  it('ask without a question, help and unknown subcommands answer with guidance', async () => {
    h = await new Harness().start();
    expect((await h.slash('ask')).json.text).toContain('/threadwise ask <question>');
    const help = (await h.slash('help')).json.text!;
    for (const sub of ['ask <question>', 'reset', 'usage', 'forget-me', 'help'])
      expect(help).toContain(`/threadwise ${sub}`);
    expect((await h.slash('frobnicate')).json.text).toMatch(/^I don't know `frobnicate`\. \*\/threadwise\* commands:/);
    expect((await h.slash('')).json.text).toContain('/threadwise reset');
  });

  it('reset: forgets the caller’s most recent DM conversation; the next question starts fresh', async () => {
    h = await new Harness().start();
    const first = await h.message({ channel: DM, text: 'my name is Ada' });
    await h.turnFinished(first.eventId);
    const root = h.slack.messages(DM)[0]!.ts;
    const res = await h.slash('reset', { channel: DM });
    expect(res.json.text).toContain('I forgot our conversation in <https://fake-team.slack.com/archives/D0ADA/p');
    const follow = await h.message({ channel: DM, thread_ts: root, text: 'what is my name?' });
    await h.turnFinished(follow.eventId);
    expect(userTexts(1)).toHaveLength(1);
    expect((await h.slash('reset', { channel: 'C0NOPE' })).json.text).toContain('Nothing to reset');
  });

  it('a command Slack would time out answers "working on it" in time, and its reply follows by response_url', async () => {
    h = await new Harness().start();
    const first = await h.message({ channel: DM, text: 'my name is Ada' });
    await h.turnFinished(first.eventId);
    // Slack is slow to give the thread's permalink: the reset cannot finish within the acknowledgement's 3 s.
    const release = h.slack.holdCalls('chat.getPermalink');
    const res = await h.slash('reset', { channel: DM });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Working on it') });
    release();
    await until(() => h.slack.hookMessages.length === 1, 'the late reply');
    expect(h.slack.hookMessages[0]!.body).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: expect.stringContaining('I forgot our conversation in <https://fake-team.slack.com/archives/D0ADA/p'),
    });
  });

  it('forget-me: deletes the caller’s DMs, their messages in shared threads and votes, and keeps the usage counts', async () => {
    h = await new Harness().start();
    const dm = await h.message({ channel: DM, text: 'my card is 4242 4242 4242 4242' });
    await h.turnFinished(dm.eventId);
    const shared = await h.mention({ user: 'U1', text: 'printer is broken' });
    await h.turnFinished(shared.eventId);
    const root = h.slack.messages('C0SUP1')[0]!.ts;
    const grace = await h.message({ user: 'U2', channel: 'C0SUP1', thread_ts: root, text: 'mine too' });
    await h.turnFinished(grace.eventId);
    const answer = h.replies('C0SUP1', root)[0]!;
    await h.interact(
      blockActionPayload({
        user: 'U1',
        channel: 'C0SUP1',
        message_ts: answer.ts,
        thread_ts: root,
        action_id: 'tw_feedback',
        type: 'feedback_buttons',
        value: 'positive',
      }),
    );
    expect((await h.slash('usage')).json.text).not.toContain('nothing yet');
    const pendingRedis = new Redis(REDIS_URL);
    const pending = new RedisApprovalStore(pendingRedis, storeKeys(h.prefix));
    await pending.put('mine', JSON.stringify({ id: 'mine', teamId: 'T0TEST', userId: 'U1' }), 600);
    await pending.put('triage:mine', JSON.stringify({ id: 'x', teamId: 'T0TEST', requestedBy: 'U1' }), 600);
    await pending.put('theirs', JSON.stringify({ id: 'theirs', teamId: 'T0TEST', userId: 'U2' }), 600);

    const res = await h.slash('forget-me');
    expect(res.json.text).toContain('2 pending ticket approvals and triage cards');
    expect([await pending.get('mine'), await pending.get('triage:mine')]).toEqual([undefined, undefined]);
    expect(await pending.get('theirs')).toBeDefined();
    await pendingRedis.quit();
    expect(res.json.text).toContain('1 direct-message conversation');
    expect(res.json.text).toContain('your messages in 1 shared thread');
    expect(res.json.text).toContain('1 feedback vote');

    const redis = new Redis(REDIS_URL);
    try {
      expect(await new RedisFeedbackStore(redis, storeKeys(h.prefix)).listSince(0)).toEqual([]);
      const keys = storeKeys(h.prefix);
      expect(
        await redis.exists(keys.thread({ teamId: 'T0TEST', channel: DM, threadTs: h.slack.messages(DM)[0]!.ts })),
      ).toBe(0);
      const thread = (
        await redis.lrange(keys.thread({ teamId: 'T0TEST', channel: 'C0SUP1', threadTs: root }), 0, -1)
      ).join('\n');
      expect(thread).not.toContain('printer is broken');
      expect(thread).not.toContain('"U1"');
      expect(thread).toContain('mine too');
    } finally {
      await redis.quit();
    }
    // Usage is accounting, not content: deleting it would reset the caller's daily limit (see test/security/quotas).
    expect((await h.slash('usage')).json.text).not.toContain('nothing yet');
  });
});

describe('message shortcuts', () => {
  it('“Ask Threadwise about this” opens a modal and answers in the message’s thread with the message as context', async () => {
    h = await new Harness().start();
    const msgTs = h.slack.addMessage('C0SUP1', { user: 'U2', text: 'Deploy failed: exit code 137 on worker-3' });
    const shortcut = await h.interact(
      messageActionPayload({
        callback_id: 'ask_about_message',
        user: 'U1',
        channel: 'C0SUP1',
        message: { ts: msgTs, user: 'U2', text: 'Deploy failed: exit code 137 on worker-3' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    expect(shortcut.status).toBe(200);
    const opened = h.slack.callsTo('views.open')[0]!;
    expect(opened.ok).toBe(true);
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe('tw_ask_about_message');

    h.openai.enqueue({ kind: 'text', text: 'Exit code 137 means the process was killed for memory.' });
    const submit = await h.interact(
      viewSubmissionPayload({
        user: 'U1',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        values: { question: { question_input: 'why did it fail?' } },
      }),
    );
    expect(submit.status).toBe(200);
    await until(() => finished() === 1, 'the answer');
    const replies = h.slack.messages('C0SUP1').filter((m) => m.thread_ts === msgTs && m.ts !== msgTs);
    expect(replies.map((m) => m.text)).toEqual([
      '<@U1> asked about this message: why did it fail?',
      'Exit code 137 means the process was killed for memory.',
    ]);
    expect(userTexts(0).at(-1)).toMatch(
      /About this message from @Grace:\n> Deploy failed: exit code 137 on worker-3\n\nwhy did it fail\?/,
    );
  });

  it('“Ask Threadwise about this” speaks Japanese to a Japanese asker: the modal, the field error and the thread line', async () => {
    h = await new Harness().start();
    h.slack.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    const msgTs = h.slack.addMessage('C0SUP1', { user: 'U2', text: 'Deploy failed: exit code 137 on worker-3' });
    await h.interact(
      messageActionPayload({
        callback_id: 'ask_about_message',
        user: 'U7',
        channel: 'C0SUP1',
        message: { ts: msgTs, user: 'U2', text: 'Deploy failed: exit code 137 on worker-3' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    await until(() => h.slack.callsTo('views.open').length === 1, 'the modal');
    const view = h.slack.callsTo('views.open')[0]!.args.view as {
      callback_id: string;
      private_metadata: string;
      title: { text: string };
      blocks: unknown[];
    };
    expect(view.title.text).toBe('Threadwise に質問');
    expect(JSON.stringify(view.blocks)).toContain('何を知りたいですか？');
    const empty = await h.interact(
      viewSubmissionPayload({
        user: 'U7',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        values: { question: { question_input: ' ' } },
      }),
    );
    expect(empty.json).toEqual({ response_action: 'errors', errors: { question: '質問を入力してください。' } });

    h.openai.enqueue({ kind: 'text', text: 'メモリ不足でプロセスが強制終了されました。' });
    await h.interact(
      viewSubmissionPayload({
        user: 'U7',
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        values: { question: { question_input: 'なぜ失敗した？' } },
      }),
    );
    await until(() => finished() === 1, 'the answer');
    const replies = h.slack.messages('C0SUP1').filter((m) => m.thread_ts === msgTs && m.ts !== msgTs);
    expect(replies[0]!.text).toBe('<@U7> さんがこのメッセージについて質問しました：なぜ失敗した？');
  });

  it('an empty question in the modal is refused with a field error', async () => {
    h = await new Harness().start();
    const res = await h.interact(
      viewSubmissionPayload({
        user: 'U1',
        callback_id: 'tw_ask_about_message',
        private_metadata: '{}',
        values: { question: { question_input: '  ' } },
      }),
    );
    expect(res.json).toEqual({ response_action: 'errors', errors: { question: 'Please type your question.' } });
  });

  it('a Japanese asker gets the modal and its field errors in Japanese', async () => {
    h = await new Harness().start();
    h.slack.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    const msgTs = h.slack.addMessage('C0SUP1', { user: 'U2', text: 'Deploy failed' });
    await h.interact(
      messageActionPayload({
        callback_id: 'ask_about_message',
        user: 'U7',
        channel: 'C0SUP1',
        message: { ts: msgTs, user: 'U2', text: 'Deploy failed' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    const view = h.slack.callsTo('views.open')[0]!.args.view as { title: { text: string }; private_metadata: string };
    expect(view.title.text).toBe('Threadwise に質問');
    expect(JSON.stringify(view)).toContain('何を知りたいですか？');
    const res = await h.interact(
      viewSubmissionPayload({
        user: 'U7',
        callback_id: 'tw_ask_about_message',
        private_metadata: view.private_metadata,
        values: { question: { question_input: '  ' } },
      }),
    );
    expect(res.json).toEqual({ response_action: 'errors', errors: { question: '質問を入力してください。' } });
  });

  it('“Summarize thread” reads every page of a long thread and answers with a summary in it', async () => {
    h = await new Harness().start();
    const root = h.slack.addMessage('C0SUP1', { user: 'U1', text: 'Checkout is slow for EU customers' });
    for (let i = 1; i <= 230; i++)
      h.slack.addMessage('C0SUP1', { user: i % 2 ? 'U2' : 'U1', text: `update ${i}`, thread_ts: root });
    h.openai.enqueue({ kind: 'text', text: 'Gist: EU checkout latency; fix deployed.' });
    const res = await h.interact(
      messageActionPayload({
        callback_id: 'summarize_thread',
        user: 'U1',
        channel: 'C0SUP1',
        message: { ts: root, user: 'U1', text: 'Checkout is slow for EU customers', thread_ts: root },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    expect(res.status).toBe(200);
    await until(() => finished() === 1, 'the summary');
    expect(h.slack.callsTo('conversations.replies').length).toBeGreaterThanOrEqual(2);
    const asked = userTexts(0).at(-1)!;
    expect(asked).toContain('Summarize this Slack thread (231 messages)');
    expect(asked).toContain('Ada (');
    expect(asked).toContain('update 1\n');
    expect(asked).toContain('update 230');
    expect(h.replies('C0SUP1', root).map((m) => m.text)).toEqual(['Gist: EU checkout latency; fix deployed.']);
  });

  it('“Summarize thread” works from a payload without what it never reads (no team as in an org-wide install, no trigger_id)', async () => {
    h = await new Harness().start();
    const root = h.slack.addMessage('C0SUP1', { user: 'U1', text: 'Deploy failed twice' });
    h.slack.addMessage('C0SUP1', { user: 'U2', text: 'rolled back', thread_ts: root });
    h.openai.enqueue({ kind: 'text', text: 'Gist: deploy failed, rolled back.' });
    const { trigger_id: _, ...payload } = messageActionPayload({
      callback_id: 'summarize_thread',
      user: 'U1',
      channel: 'C0SUP1',
      message: { ts: root, user: 'U1', text: 'Deploy failed twice', thread_ts: root },
      responseUrl: h.slack.responseUrl(),
    });
    const res = await h.interact({ ...payload, team: null });
    expect(res.status).toBe(200);
    await until(() => finished() === 1, 'the summary');
    expect(h.replies('C0SUP1', root).map((m) => m.text)).toEqual(['Gist: deploy failed, rolled back.']);
  });

  it('“Summarize thread” in a channel the bot cannot read says so privately', async () => {
    h = await new Harness({ slack: { strictChannels: true, channels: { C0SUP1: { name: 'support' } } } }).start();
    await h.interact(
      messageActionPayload({
        callback_id: 'summarize_thread',
        user: 'U1',
        channel: 'C0PRIV',
        message: { ts: '1700000000.000100', user: 'U2', text: 'secret' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    await until(() => h.slack.hookMessages.length === 1, 'the ephemeral answer');
    expect(h.slack.hookMessages[0]!.body).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('/invite @threadwise'),
    });
  });
});

describe('per-channel settings', () => {
  const yaml = [
    'defaults:',
    '  instructions: You are the default persona.',
    'channels:',
    '  C0LOUD:',
    '    instructions: You are the incident commander.',
    '    model: gpt-4o-mini',
    '    answer_visibility: broadcast',
    '    tools: []',
    '    require_mention: true',
    'tickets:',
    `  file: ${JSON.stringify(`${process.cwd()}/examples/tickets.json`)}`,
  ].join('\n');

  it('a listed channel gets its persona, model, tools and visibility; others get the defaults', async () => {
    h = await new Harness({ yaml }).start();
    const loud = await h.mention({ channel: 'C0LOUD', text: 'status?' });
    await h.turnFinished(loud.eventId);
    const plain = await h.mention({ channel: 'C0SUP1', text: 'status?' });
    await h.turnFinished(plain.eventId);
    const [a, b] = h.openai.responsesRequests().map((r) => r.body);
    expect(a).toMatchObject({ model: 'gpt-4o-mini', instructions: 'You are the incident commander.' });
    expect(a.tools).toBeUndefined();
    expect(b.instructions).toContain('You are the default persona.');
    expect(b.tools.map((t: { name: string }) => t.name)).toContain('lookup_ticket');

    const loudRoot = h.slack.messages('C0LOUD')[0]!.ts;
    const post = h.slack.callsTo('chat.postMessage').find((c) => c.args.channel === 'C0LOUD')!;
    expect(post.args).toMatchObject({ thread_ts: loudRoot, reply_broadcast: 'true' });
    expect(h.slack.callsTo('chat.startStream').map((c) => c.args.channel)).toEqual(['C0SUP1']);
    const broadcast = h.slack.messages('C0LOUD').find((m) => m.subtype === 'thread_broadcast');
    expect(broadcast?.blocks).toBeDefined();

    // require_mention: a follow-up without a mention is left to the humans.
    const follow = await h.message({ channel: 'C0LOUD', thread_ts: loudRoot, text: 'anyone?' });
    expect(follow.status).toBe(200);
    await h.settled();
    expect(h.openai.responsesRequests()).toHaveLength(2);
  });
});
