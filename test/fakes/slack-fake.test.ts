import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import { WebAPIPlatformError, WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack, type FakeSlackOptions } from './slack-api.js';
import {
  appMention,
  blockActionPayload,
  messageEvent,
  newTriggerId,
  sendEvent,
  sendInteraction,
  signRequest,
  slashCommandBody,
} from './slack-events.js';

const USERS = { U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'ada', email: 'ada@example.com' } };
const CHANNELS = { C1: { name: 'general' }, D1: { name: 'ada-dm', is_im: true, user: 'U1' } };
const fakes: FakeSlack[] = [];
const apps: App[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop().catch(() => undefined)));
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(opts: FakeSlackOptions = {}): Promise<{ fake: FakeSlack; url: string; client: WebClient }> {
  const fake = new FakeSlack({ users: USERS, channels: CHANNELS, ...opts });
  fakes.push(fake);
  const url = await fake.start();
  const client = new WebClient(fake.botToken, {
    slackApiUrl: url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
  return { fake, url, client };
}

async function slackError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WebAPIPlatformError);
  return (e as WebAPIPlatformError).data.error;
}

describe('FakeSlack Web API through the real WebClient', () => {
  it('takes a message’s malformed Work Object with a warning, as Slack does, and shows no card', async () => {
    const { fake, client } = await setup();
    const task = {
      entity_type: 'slack#/entities/task',
      url: 'https://support.example.com/tickets/SUP-1',
      external_ref: { id: 'SUP-1' },
      entity_payload: {
        attributes: { title: { text: 'VPN drops' }, product_icon: { url: 'https://support.example.com/i.png' } },
        fields: { status: 'open', date_created: { value: '2026-08-01' }, colour: { value: 'red' } },
      },
    };
    const bad = await client.chat.postMessage({
      channel: 'C1',
      text: 'SUP-1',
      metadata: { entities: [task as never] },
    });
    expect(bad).toMatchObject({ ok: true, warning: 'invalid_metadata_format' });
    const messages = bad.response_metadata?.messages ?? [];
    for (const pointer of [
      '/metadata/entities/0/entity_payload/attributes/product_icon/alt_text',
      '/metadata/entities/0/entity_payload/fields/status',
      '/metadata/entities/0/entity_payload/fields/date_created/value',
      '/metadata/entities/0/entity_payload/fields',
    ])
      expect(
        messages.some((m) => m.includes(`(pointer: ${pointer})`)),
        pointer,
      ).toBe(true);
    expect(fake.workObjects('C1', bad.ts!)).toEqual([]);

    const { product_icon: _, ...attributes } = task.entity_payload.attributes;
    const good = await client.chat.postMessage({
      channel: 'C1',
      text: 'SUP-1',
      metadata: {
        entities: [
          {
            ...task,
            entity_payload: { attributes, fields: { status: { value: 'open' }, date_created: { value: 1785542400 } } },
          },
        ],
      },
    });
    expect(good.warning).toBeUndefined();
    expect(fake.workObjects('C1', good.ts!)).toHaveLength(1);
  });

  it('authenticates like Slack', async () => {
    const { fake, url, client } = await setup();
    await expect(client.auth.test()).resolves.toMatchObject({
      ok: true,
      team_id: 'T0TEST',
      user_id: 'UBOT',
      bot_id: 'BBOT',
    });
    const opts = { slackApiUrl: url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR };
    expect(await slackError(new WebClient('xoxb-wrong', opts).auth.test())).toBe('invalid_auth');
    expect(await slackError(new WebClient(undefined, opts).auth.test())).toBe('not_authed');
    expect(await slackError(new WebClient(fake.appToken, opts).chat.postMessage({ channel: 'C1', text: 'x' }))).toBe(
      'not_allowed_token_type',
    );
    expect(await slackError(client.apiCall('nope.nothing'))).toBe('unknown_method');
    expect(fake.callsTo('auth.test')[0]).toMatchObject({ status: 200, ok: true, tokenType: 'bot' });
  });

  it('posts, updates and reads threads with realistic ts values', async () => {
    const { fake, client } = await setup();
    const root = fake.addMessage('C1', { user: 'U1', text: 'question?' });
    const a = await client.chat.postMessage({ channel: 'C1', thread_ts: root, markdown_text: '**one**' });
    const b = await client.chat.postMessage({
      channel: 'C1',
      thread_ts: root,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'two' } }],
      text: 'fallback',
    });
    expect(a.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(b.ts) > Number(a.ts)).toBe(true);
    expect(await slackError(client.chat.postMessage({ channel: 'C1', text: 'x', markdown_text: 'y' }))).toBe(
      'markdown_text_conflict',
    );
    expect(await slackError(client.chat.postMessage({ channel: 'C1', markdown_text: 'x'.repeat(12_001) }))).toBe(
      'msg_too_long',
    );
    expect(await slackError(client.chat.postMessage({ channel: 'C1', text: '' }))).toBe('no_text');
    const long = await client.chat.postMessage({ channel: 'C1', text: 'y'.repeat(40_050) });
    expect(fake.messages('C1').find((m) => m.ts === long.ts)?.text).toHaveLength(40_000);

    await client.chat.update({ channel: 'C1', ts: a.ts!, markdown_text: '**one, edited**' });
    expect(await slackError(client.chat.update({ channel: 'C1', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
    expect(await slackError(client.chat.update({ channel: 'C1', ts: root, text: 'x' }))).toBe('cant_update_message');
    const replies = fake.threadReplies('C1', root);
    expect(replies.map((m) => [m.text, m.edits])).toEqual([
      ['**one, edited**', 1],
      ['two', 0],
    ]);

    const page1 = await client.conversations.replies({ channel: 'C1', ts: root, limit: 2 });
    expect(page1.messages?.map((m) => m.text)).toEqual(['question?', '**one, edited**']);
    expect(page1.messages?.[0]).toMatchObject({ reply_count: 2, thread_ts: root });
    expect(page1.has_more).toBe(true);
    const page2 = await client.conversations.replies({
      channel: 'C1',
      ts: root,
      limit: 2,
      cursor: page1.response_metadata!.next_cursor!,
    });
    expect(page2.messages?.map((m) => [m.text, m.bot_id])).toEqual([['two', 'BBOT']]);
    expect(await slackError(client.conversations.replies({ channel: 'C1', ts: '1.000001' }))).toBe('thread_not_found');
    expect(await slackError(client.chat.postMessage({ channel: 'nope', text: 'x' }))).toBe('channel_not_found');
  });

  it('accepts JSON bodies with a Bearer token only, and pages history newest first', async () => {
    const { fake, url, client } = await setup();
    const post = (body: object, headers: Record<string, string>): Promise<unknown> =>
      fetch(`${url}chat.postMessage`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json());
    expect(await post({ channel: 'C1', text: 'json', token: fake.botToken }, {})).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect(await post({ channel: 'C1', text: 'json' }, { Authorization: `Bearer ${fake.botToken}` })).toMatchObject({
      ok: true,
      channel: 'C1',
    });
    const root = fake.addMessage('C1', { user: 'U1', text: 'second' });
    fake.addMessage('C1', { user: 'U1', text: 'reply', thread_ts: root });
    const h1 = await client.conversations.history({ channel: 'C1', limit: 1 });
    expect(h1.messages?.map((m) => m.text)).toEqual(['second']);
    const h2 = await client.conversations.history({
      channel: 'C1',
      limit: 1,
      cursor: h1.response_metadata!.next_cursor!,
    });
    expect([h2.messages?.map((m) => m.text), h2.has_more]).toEqual([['json'], false]);
    const info = await client.conversations.info({ channel: 'D1' });
    expect(info.channel).toMatchObject({ id: 'D1', is_im: true, user: 'U1' });
  });

  it('enforces single-use, short-lived trigger_ids on views.open', async () => {
    const { client } = await setup();
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'T' }, blocks: [] };
    const trigger = newTriggerId();
    await expect(client.views.open({ trigger_id: trigger, view })).resolves.toMatchObject({
      ok: true,
      view: { type: 'modal' },
    });
    expect(await slackError(client.views.open({ trigger_id: trigger, view }))).toBe('exchanged_trigger_id');
    expect(await slackError(client.views.open({ trigger_id: `${Date.now() - 4000}.1.abc`, view }))).toBe(
      'expired_trigger_id',
    );
    await expect(client.views.publish({ user_id: 'U1', view: { type: 'home', blocks: [] } })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('updates an opened view in place by view_id, refusing a stale hash and an unknown view', async () => {
    const { fake, client } = await setup();
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'T' }, blocks: [] };
    const opened = (await client.views.open({ trigger_id: newTriggerId(), view })).view!;
    const next = {
      ...view,
      blocks: [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: 'ready' } }],
    };
    const updated = (await client.views.update({ view_id: opened.id!, hash: opened.hash!, view: next })).view!;
    expect(updated.id).toBe(opened.id);
    expect(updated.hash).not.toBe(opened.hash);
    expect(fake.openedViews()).toEqual([expect.objectContaining({ id: opened.id, blocks: next.blocks })]);
    expect(await slackError(client.views.update({ view_id: opened.id!, hash: opened.hash!, view }))).toBe(
      'hash_conflict',
    );
    expect(await slackError(client.views.update({ view_id: 'V0NOPE', view }))).toBe('not_found');
    expect(await slackError(client.views.update({ view: view as never } as never))).toBe('invalid_arguments');
  });

  it('shows profile.email only to apps with users:read.email, and reports the scopes', async () => {
    const { client } = await setup({ scopes: ['chat:write', 'users:read'] });
    const info = await client.users.info({ user: 'U1' });
    expect(info.user?.profile).toBeDefined();
    expect((info.user!.profile as Record<string, unknown>).email).toBeUndefined();
    expect(info.response_metadata?.scopes).toEqual(['chat:write', 'users:read']);
  });

  it("says a user's locale in users.info only when asked with include_locale, like Slack", async () => {
    const { fake, client } = await setup();
    fake.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'yui', locale: 'ja-JP' });
    expect((await client.users.info({ user: 'U7' })).user?.locale).toBeUndefined();
    expect((await client.users.info({ user: 'U7', include_locale: true })).user?.locale).toBe('ja-JP');
    // Slack always has a locale for a person; without one set, it is its default.
    expect((await client.users.info({ user: 'U1', include_locale: true })).user?.locale).toBe('en-US');
  });

  it('answers users.info and assistant thread methods with Slack limits', async () => {
    const { fake, client } = await setup();
    const info = await client.users.info({ user: 'U1' });
    expect(info.user).toMatchObject({
      id: 'U1',
      name: 'ada',
      real_name: 'Ada Lovelace',
      is_bot: false,
      profile: { display_name: 'ada', email: 'ada@example.com' },
    });
    expect(await slackError(client.users.info({ user: 'U404' }))).toBe('user_not_found');

    const root = fake.addMessage('D1', { user: 'U1', text: 'hi' });
    await client.assistant.threads.setStatus({
      channel_id: 'D1',
      thread_ts: root,
      status: 'is thinking…',
      loading_messages: ['a', 'b'],
    });
    expect(fake.threadStatus('D1', root)?.status).toBe('is thinking…');
    const tooMany = Array.from({ length: 11 }, (_, i) => `m${i}`);
    expect(
      await slackError(
        client.assistant.threads.setStatus({
          channel_id: 'D1',
          thread_ts: root,
          status: 's',
          loading_messages: tooMany,
        }),
      ),
    ).toBe('invalid_arguments');
    const prompts = Array.from({ length: 5 }, (_, i) => ({ title: `t${i}`, message: `m${i}` }));
    expect(
      await slackError(
        client.assistant.threads.setSuggestedPrompts({ channel_id: 'D1', thread_ts: root, prompts: prompts as never }),
      ),
    ).toBe('invalid_arguments');
    await client.chat.postMessage({ channel: 'D1', thread_ts: root, text: 'answer' });
    expect(fake.threadStatus('D1', root)).toBeUndefined();
  });
});

describe('streaming', () => {
  it('runs start/append/stop, refuses an append that adds nothing, and refuses appends once stopped', async () => {
    const { fake, client } = await setup();
    const root = fake.addMessage('C1', { user: 'U1', text: '<@UBOT> explain' });
    const recipients = { recipient_team_id: 'T0TEST', recipient_user_id: 'U1' };
    const start = await client.chat.startStream({
      channel: 'C1',
      thread_ts: root,
      markdown_text: 'Hel',
      ...recipients,
    });
    expect(start).toMatchObject({ ok: true, channel: 'C1' });
    const ts = start.ts!;
    await client.chat.appendStream({ channel: 'C1', ts, markdown_text: 'lo ' });
    expect(await slackError(client.chat.appendStream({ channel: 'C1', ts, markdown_text: '' }))).toBe('no_text');
    expect(fake.threadReplies('C1', root)[0]).toMatchObject({ text: 'Hello ', streaming_state: 'in_progress' });
    expect(await slackError(client.chat.update({ channel: 'C1', ts, text: 'x' }))).toBe('streaming_state_conflict');
    await client.chat.stopStream({
      channel: 'C1',
      ts,
      markdown_text: 'world',
      blocks: [{ type: 'context_actions', elements: [] }] as never,
    });
    expect(fake.threadReplies('C1', root)[0]).toMatchObject({ text: 'Hello world', streaming_state: 'completed' });
    expect(await slackError(client.chat.appendStream({ channel: 'C1', ts, markdown_text: '!' }))).toBe(
      'message_not_in_streaming_state',
    );
    expect(await slackError(client.chat.stopStream({ channel: 'C1', ts }))).toBe('message_not_in_streaming_state');
    expect(await slackError(client.chat.appendStream({ channel: 'C1', ts: root, markdown_text: '!' }))).toBe(
      'message_not_owned_by_app',
    );
  });

  it('requires recipients in channels but not in IMs', async () => {
    const { client } = await setup();
    expect(await slackError(client.chat.startStream({ channel: 'C1', thread_ts: '1700000000.000100' }))).toBe(
      'missing_recipient_team_id',
    );
    expect(
      await slackError(
        client.chat.startStream({
          channel: 'C1',
          thread_ts: '1700000000.000100',
          recipient_team_id: 'T0TEST',
        } as never),
      ),
    ).toBe('missing_recipient_user_id');
    await expect(client.chat.startStream({ channel: 'D1', thread_ts: '1700000000.000100' })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('expires streams server-side; chat.update then repairs the message', async () => {
    let clock = Date.now();
    const { fake, client } = await setup({ streamExpiryMs: 60, now: () => clock });
    const root = fake.addMessage('D1', { user: 'U1', text: 'long question' });
    const streamer = client.chatStream({ channel: 'D1', thread_ts: root, buffer_size: 1 });
    await streamer.append({ markdown_text: 'partial' });
    const ts = streamer.ts!;
    clock += 80;
    expect(await slackError(client.chat.appendStream({ channel: 'D1', ts, markdown_text: ' more' }))).toBe(
      'message_not_in_streaming_state',
    );
    await expect(streamer.stop()).rejects.toThrow(/message_not_in_streaming_state/);
    await client.chat.update({ channel: 'D1', ts, markdown_text: 'partial more' });
    expect(fake.threadReplies('D1', root)[0]).toMatchObject({ text: 'partial more', edits: 1 });
  });

  it("sets the thread's agent session on stop (session_status, active when left out) and refuses an unknown status", async () => {
    const { fake, client } = await setup();
    const root = fake.addMessage('C1', { user: 'U1', text: '<@UBOT> explain' });
    const recipients = { recipient_team_id: 'T0TEST', recipient_user_id: 'U1' };
    await client.agents.sessions.setStatus({ channel_id: 'C1', thread_ts: root, status: 'processing' });
    const open = async (text: string) =>
      (await client.chat.startStream({ channel: 'C1', thread_ts: root, markdown_text: text, ...recipients })).ts!;

    const first = await open('part one');
    expect(
      await slackError(client.chat.stopStream({ channel: 'C1', ts: first, session_status: 'done' } as never)),
    ).toBe('invalid_arguments');
    // Refused as a whole: the stream still runs and the session is still processing.
    expect(fake.threadReplies('C1', root)[0]).toMatchObject({ streaming_state: 'in_progress' });
    expect(fake.agentSession('C1', root)?.status).toBe('processing');
    await client.chat.stopStream({ channel: 'C1', ts: first, session_status: 'processing' });
    expect(fake.agentSession('C1', root)?.status).toBe('processing');

    await client.chat.stopStream({ channel: 'C1', ts: await open('part two') });
    expect(fake.agentSession('C1', root)?.history).toEqual(['processing', 'processing', 'active']);

    // A thread without a session gets none from a stop.
    const other = fake.addMessage('C1', { user: 'U1', text: '<@UBOT> again' });
    const { ts } = await client.chat.startStream({
      channel: 'C1',
      thread_ts: other,
      markdown_text: 'x',
      ...recipients,
    });
    await client.chat.stopStream({ channel: 'C1', ts: ts!, session_status: 'closed' });
    expect(fake.agentSession('C1', other)).toBeUndefined();
  });

  it('caps what one streamed message can hold', async () => {
    const { client } = await setup();
    const { ts } = await client.chat.startStream({
      channel: 'D1',
      thread_ts: '1700000000.000100',
      markdown_text: 'a'.repeat(11_000),
    });
    expect(
      await slackError(client.chat.appendStream({ channel: 'D1', ts: ts!, markdown_text: 'b'.repeat(1_001) })),
    ).toBe('msg_too_long');
    await client.chat.appendStream({ channel: 'D1', ts: ts!, markdown_text: 'b'.repeat(1_000) });
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After per tier and per channel for postMessage', async () => {
    let now = 1_800_000_000_000;
    const { fake, url, client } = await setup({ rateLimits: 'tiers', tierScale: 0.1, now: () => now });
    const args = { channel: 'D1', thread_ts: '1700000000.000100' };
    await client.chat.startStream(args);
    await client.chat.startStream(args);
    const err = await client.chat.startStream(args).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIRateLimitedError);
    expect((err as WebAPIRateLimitedError).retryAfter).toBe(60);
    const raw = await fetch(`${url}chat.startStream`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${fake.botToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('60');
    expect(await raw.json()).toEqual({ ok: false, error: 'ratelimited' });
    expect(fake.rateLimitedCount('chat.startStream')).toBe(2);
    now += 60_001;
    await expect(client.chat.startStream(args)).resolves.toMatchObject({ ok: true });

    const fast = await setup({ rateLimits: 'tiers' });
    await fast.client.chat.postMessage({ channel: 'C1', text: '1' });
    await fast.client.chat.postMessage({ channel: 'C1', text: '2' });
    await expect(fast.client.chat.postMessage({ channel: 'C1', text: '3' })).rejects.toBeInstanceOf(
      WebAPIRateLimitedError,
    );
    await fast.client.chat.postMessage({ channel: 'D1', text: 'other channel' });
    expect(fast.fake.callsTo('chat.postMessage').map((c) => c.status)).toEqual([200, 200, 429, 200]);
  });
});

describe('file downloads', () => {
  it('serves bytes only with the bot token, else a login page', async () => {
    const { fake } = await setup();
    const file = fake.addFile({ id: 'F1', name: 'notes.txt', mimetype: 'text/plain', bytes: 'secret notes' });
    expect(file).toMatchObject({ id: 'F1', filetype: 'text', size: 12, mode: 'hosted', is_external: false });
    const ok = await fetch(file.url_private_download, { headers: { Authorization: `Bearer ${fake.botToken}` } });
    expect([ok.status, ok.headers.get('content-type'), await ok.text()]).toEqual([200, 'text/plain', 'secret notes']);
    const anon = await fetch(file.url_private);
    expect(anon.status).toBe(200);
    expect(anon.headers.get('content-type')).toMatch(/text\/html/);
    expect(await anon.text()).toMatch(/^<!DOCTYPE html>/);
    const moved = fake.addFile({
      id: 'F2',
      name: 'a.png',
      mimetype: 'image/png',
      bytes: new Uint8Array([1]),
      redirectTo: 'http://127.0.0.1:9/elsewhere',
    });
    const r = await fetch(moved.url_private, {
      headers: { Authorization: `Bearer ${fake.botToken}` },
      redirect: 'manual',
    });
    expect([r.status, r.headers.get('location')]).toEqual([302, 'http://127.0.0.1:9/elsewhere']);
  });
});

describe('Bolt apps against the fake', () => {
  it('HTTP mode: signed events run listeners, bad or stale signatures get 401', async () => {
    const { fake, url } = await setup();
    const secret = 'test-signing-secret';
    const app = new App({
      token: fake.botToken,
      signingSecret: secret,
      clientOptions: { slackApiUrl: url },
      logLevel: LogLevel.ERROR,
    });
    apps.push(app);
    const seen: string[] = [];
    const retries: Array<number | undefined> = [];
    const feedback: string[] = [];
    app.action('feedback', async ({ ack, body }) => {
      await ack();
      feedback.push((body as { actions: Array<{ value: string }> }).actions[0]!.value);
    });
    app.event('app_mention', async ({ event, sayStream, context }) => {
      retries.push(context.retryNum);
      if (context.retryNum) return;
      seen.push(event.text);
      const s = sayStream();
      await s.append({ markdown_text: 'streamed answer' });
      await s.stop();
    });
    const server = (await app.start(0)) as Server;
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    const ev = appMention({ user: 'U1', channel: 'C1', text: '<@UBOT> hello' });

    const bad = await sendEvent(endpoint, ev, { signingSecret: secret, badSignature: true });
    expect(bad.status).toBe(401);
    const stale = await sendEvent(endpoint, ev, {
      signingSecret: secret,
      timestamp: Math.floor(Date.now() / 1000) - 600,
    });
    expect(stale.status).toBe(401);
    expect(seen).toEqual([]);

    const good = await sendEvent(endpoint, ev, { signingSecret: secret, recordTo: fake });
    expect(good.status).toBe(200);
    expect(good.eventId).toMatch(/^Ev/);
    await expect.poll(() => fake.threadReplies('C1', ev.ts as string)[0]?.streaming_state).toBe('completed');
    expect(seen).toEqual(['<@UBOT> hello']);
    expect(fake.threadReplies('C1', ev.ts as string)[0]?.text).toBe('streamed answer');
    expect(fake.callsTo('chat.startStream')[0]?.args).toMatchObject({
      recipient_team_id: 'T0TEST',
      recipient_user_id: 'U1',
    });
    expect(signRequest('s', 'body', 1)).toMatch(/^v0=[0-9a-f]{64}$/);

    const retry = await sendEvent(endpoint, ev, { signingSecret: secret, retryNum: 1, retryReason: 'http_timeout' });
    expect(retry.status).toBe(200);
    await expect.poll(() => retries).toEqual([undefined, 1]);

    const click = blockActionPayload({
      user: 'U1',
      channel: 'C1',
      message_ts: ev.ts as string,
      action_id: 'feedback',
      value: 'good',
      type: 'feedback_buttons',
    });
    const clicked = await sendInteraction(endpoint, click, { signingSecret: secret });
    expect(clicked.status).toBe(200);
    expect(feedback).toEqual(['good']);
  });

  it('Socket Mode: App({socketMode, clientOptions}) opens the socket via the fake and acks deliveries', async () => {
    const { fake, url } = await setup();
    // App copies clientOptions into installerOptions.clientOptions, which SocketModeReceiver hands to
    // SocketModeClient for its apps.connections.open WebClient, so slackApiUrl alone is enough.
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      clientOptions: { slackApiUrl: url },
      logLevel: LogLevel.ERROR,
    });
    apps.push(app);
    const seen: string[] = [];
    app.message(async ({ message, say }) => {
      if (message.subtype === undefined) seen.push(message.text ?? '');
      await say({ text: 'pong', thread_ts: message.ts });
    });
    await app.start();
    expect(fake.socketConnections()).toBe(1);
    expect(fake.callsTo('apps.connections.open')[0]).toMatchObject({ ok: true, tokenType: 'app' });

    const ev = messageEvent({ user: 'U1', channel: 'D1', text: 'ping' });
    const res = await fake.socketEnvelope('events_api', ev);
    expect(res.acked).toBe(true);
    expect(res.ackMs).toBeLessThan(3000);
    await expect.poll(() => fake.threadReplies('D1', ev.ts as string).map((m) => m.text)).toEqual(['pong']);
    expect(seen).toEqual(['ping']);

    app.command('/ask', async ({ ack, command }) => {
      await ack({ text: `asked: ${command.text}` });
    });
    const cmd = await fake.socketEnvelope(
      'slash_commands',
      slashCommandBody({ command: '/ask', text: 'why?', user_id: 'U1', channel_id: 'C1' }),
    );
    expect(cmd).toMatchObject({ acked: true, response: { text: 'asked: why?' } });
  });

  it('Socket Mode: reconnects after a refresh_requested disconnect', async () => {
    const { fake, url } = await setup();
    // clientPingTimeout also sets the reconnect delay (default 5 s), hence an explicit receiver.
    const receiver = new SocketModeReceiver({
      appToken: fake.appToken,
      clientPingTimeout: 600,
      installerOptions: { clientOptions: { slackApiUrl: url } },
      logLevel: LogLevel.ERROR,
    });
    const app = new App({
      token: fake.botToken,
      receiver,
      clientOptions: { slackApiUrl: url },
      logLevel: LogLevel.ERROR,
    });
    apps.push(app);
    const seen: Array<[string, number | undefined]> = [];
    app.message(async ({ message, context }) => {
      if (message.subtype === undefined) seen.push([message.text ?? '', context.retryNum]);
    });
    await app.start();
    fake.socketDisconnect('refresh_requested');
    await expect.poll(() => fake.socketConnectCount(), { timeout: 30_000 }).toBe(2);
    await fake.waitForSocketConnections(1);
    expect(fake.callsTo('apps.connections.open')).toHaveLength(2);
    const again = await fake.socketEnvelope('events_api', messageEvent({ user: 'U1', channel: 'D1', text: 'again' }), {
      retryAttempt: 1,
    });
    expect(again.acked).toBe(true);
    await expect.poll(() => seen).toEqual([['again', 1]]);
  });
});

describe('Block Kit limits, as Slack enforces them', () => {
  const code = async (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: WebAPIPlatformError) => `${e.data.error} ${(e.data.response_metadata?.messages ?? []).join(' ')}`,
    );
  const section = (n: number) => ({ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(n) } });
  const button = (text: string, value: string) => ({
    type: 'actions',
    elements: [{ type: 'button', action_id: 'a', text: { type: 'plain_text', text }, value }],
  });

  it('a message over any limit is refused with invalid_blocks naming the field; one at the limits is accepted', async () => {
    const { client } = await setup();
    const post = (blocks: unknown[]) =>
      code(client.chat.postMessage({ channel: 'C1', text: 'f', blocks: blocks as never }));
    expect(await post([section(3_000), button('b'.repeat(75), 'v'.repeat(2_000))])).toBe('ok');
    expect(await post([section(3_001)])).toBe(
      'invalid_blocks [ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    );
    expect(await post([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }])).toMatch(
      /^invalid_blocks .*\/blocks\/0\/text\/text/,
    );
    expect(await post([{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }])).toMatch(
      /^invalid_blocks .*plain_text/,
    );
    expect(await post([button('b'.repeat(76), 'v')])).toMatch(/^invalid_blocks .*elements\/0\/text\/text/);
    expect(await post([button('b', 'v'.repeat(2_001))])).toMatch(/^invalid_blocks .*elements\/0\/value/);
    const elements = Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' }));
    expect(await post([{ type: 'context', elements }])).toMatch(/^invalid_blocks .*no more than 10 items/);
    const fields = [{ type: 'mrkdwn', text: 'f'.repeat(2_001) }];
    expect(await post([{ type: 'section', fields }])).toMatch(/^invalid_blocks .*fields\/0\/text/);
    expect(await post(Array.from({ length: 51 }, () => section(1)))).toMatch(/^invalid_blocks/);
  });

  it('a view is refused with invalid_arguments over 100 blocks or a title over 24 characters', async () => {
    const { client } = await setup();
    const open = (view: Record<string, unknown>) =>
      code(client.views.publish({ user_id: 'U1', view: { type: 'home', ...view } as never }));
    expect(await open({ blocks: Array.from({ length: 100 }, () => section(1)) })).toBe('ok');
    expect(await open({ blocks: Array.from({ length: 101 }, () => section(1)) })).toMatch(
      /^invalid_arguments .*no more than 100 items/,
    );
    expect(await open({ title: { type: 'plain_text', text: 't'.repeat(25) }, blocks: [] })).toMatch(
      /^invalid_arguments .*\/view\/title\/text/,
    );
  });
});

describe('live markup, as Slack would render it', () => {
  it('reports broadcasts, mentions and links in text, fallbacks, Markdown and blocks; escaped mrkdwn is text', async () => {
    const { fake, client } = await setup();
    await client.chat.postMessage({ channel: 'C1', text: 'hi <!channel> &lt;!here&gt; <@U1>' });
    await client.chat.postMessage({
      channel: 'C1',
      text: '<!subteam^S1|@oncall>',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '<https://evil.example|docs>' } }],
    });
    // Markdown is judged before and after entity decoding, and its links by their scheme.
    await client.chat.postMessage({ channel: 'C1', markdown_text: '&lt;!everyone&gt; [x](javascript:alert(1))' });
    const live = fake.liveMarkup().map((l) => `${l.kind}:${l.target}`);
    expect(live.sort()).toEqual([
      'broadcast:channel',
      'broadcast:everyone',
      'link:https://evil.example',
      'link:javascript:alert(1',
      'user:U1',
      'usergroup:S1',
    ]);
  });
});

describe('FakeSlack reactions', () => {
  it('reactions.add records the bot’s reaction once, with Slack’s errors for the rest', async () => {
    const { fake, client } = await setup();
    const ts = fake.addMessage('C1', { user: 'U1', text: 'is the VPN down?' });
    await client.reactions.add({ channel: 'C1', timestamp: ts, name: 'eyes' });
    expect(fake.messages('C1').find((m) => m.ts === ts)?.reactions).toEqual([{ name: 'eyes', users: ['UBOT'] }]);
    expect(await slackError(client.reactions.add({ channel: 'C1', timestamp: ts, name: 'eyes' }))).toBe(
      'already_reacted',
    );
    expect(await slackError(client.reactions.add({ channel: 'C1', timestamp: '1.000001', name: 'eyes' }))).toBe(
      'message_not_found',
    );
    expect(await slackError(client.reactions.add({ channel: 'C1', timestamp: ts, name: ':eyes:' }))).toBe(
      'invalid_name',
    );
    const history = await client.conversations.history({ channel: 'C1' });
    expect(history.messages?.[0]?.reactions).toEqual([{ name: 'eyes', users: ['UBOT'], count: 1 }]);
  });

  it('reactions.add without reactions:write is missing_scope', async () => {
    const { fake, client } = await setup({ scopes: ['chat:write', 'channels:history'] });
    const ts = fake.addMessage('C1', { user: 'U1', text: 'hi' });
    expect(await slackError(client.reactions.add({ channel: 'C1', timestamp: ts, name: 'eyes' }))).toBe(
      'missing_scope',
    );
  });

  it('chat.getPermalink of a thread root and of a reply', async () => {
    const { fake, client } = await setup();
    const root = fake.addMessage('C1', { user: 'U1', text: 'q' });
    const reply = fake.addMessage('C1', { user: 'U1', text: 'a', thread_ts: root });
    const r = await client.chat.getPermalink({ channel: 'C1', message_ts: root });
    expect(r.permalink).toBe(`https://fake-team.slack.com/archives/C1/p${root.replace('.', '')}`);
    const p = await client.chat.getPermalink({ channel: 'C1', message_ts: reply });
    expect(p.permalink).toContain(`?thread_ts=${root}&cid=C1`);
  });
});
