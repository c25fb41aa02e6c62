import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEEDBACK_ACTION } from '../../src/features/answering/feedback-blocks.js';
import { UNUSABLE_NOTE } from '../../src/platform/slack/payloads.js';
import {
  appMention,
  blockActionPayload,
  buildEventEnvelope,
  deliver,
  messageActionPayload,
  slashCommandBody,
} from '../fakes/slack-events.js';
import { Harness, SIGNING_SECRET } from '../integration/harness.js';
import { SIGNAL_TIMEOUT_MS } from '../support/wait.js';

// Every request below carries a valid v0 signature: only Slack (or whoever holds the signing secret) can send it,
// yet none of them may crash the process, get a 5xx (Slack would retry it forever) or leave Slack waiting.
// Their text carries a marker that must never reach the log: a malformed payload is logged by its shape only.
const MARK = 'CONTENT-MARK-7731';
const json = (v: unknown) => ({ type: 'application/json', raw: typeof v === 'string' ? v : JSON.stringify(v) });
const form = (fields: Record<string, string>) => ({
  type: 'application/x-www-form-urlencoded',
  raw: new URLSearchParams(fields).toString(),
});
const payload = (v: unknown) => form({ payload: typeof v === 'string' ? v : JSON.stringify(v) });
const envelope = (event: unknown, extra: Record<string, unknown> = {}) => ({
  ...buildEventEnvelope({ type: 'app_mention', text: MARK }),
  event,
  ...extra,
});

/** Bodies that are not a JSON object at all: refused with 400 and X-Slack-No-Retry. */
const NOT_OBJECTS: Array<[string, { type: string; raw: string }]> = [
  ['JSON null', json('null')],
  ['JSON array', json('[]')],
  ['JSON string', json(`"${MARK}"`)],
  ['JSON number', json('42')],
  ['JSON true', json('true')],
  ['empty body', json('')],
  ['truncated JSON', json(`{"event": {"text": "${MARK}"`)],
  ['urlencoded payload that is not JSON', form({ payload: `{${MARK}` })],
  ['urlencoded payload null', payload(null)],
  ['urlencoded payload array', payload([MARK])],
  ['urlencoded payload string', payload(MARK)],
  ['urlencoded payload number', payload(7)],
  ['url_verification without a challenge', json({ type: 'url_verification' })],
  ['url_verification with an object challenge', json({ type: 'url_verification', challenge: {} })],
];

/** Objects Slack would never send in this shape: acknowledged with 200 and ignored (logged by shape). */
const UNUSABLE: Array<[string, { type: string; raw: string }]> = [
  ['empty object', json({})],
  ['event_callback without event', json({ type: 'event_callback', team_id: 'T0TEST' })],
  ['event null', json(envelope(null))],
  ['event a string', json(envelope(MARK))],
  ['event a number', json(envelope(5))],
  ['event an array', json(envelope([MARK]))],
  ['event without type', json(envelope({ text: MARK }))],
  ['event type a number', json(envelope({ type: 5, text: MARK }))],
  ['event channel null', json(envelope({ type: 'message', channel: null, text: MARK }))],
  ['event user null', json(envelope({ type: 'app_mention', user: null, text: MARK }))],
  ['event item null', json(envelope({ type: 'reaction_added', item: null }))],
  ['event subteam null', json(envelope({ type: 'subteam_created', subteam: null }))],
  ['message without ts or channel', json(envelope({ type: 'message', user: 'U1', text: MARK }))],
  ['app_mention with a numeric ts', json(envelope({ type: 'app_mention', user: 'U1', channel: 'C0SUP1', ts: 5 }))],
  ['message with text an object', json(envelope({ type: 'message', user: 'U1', channel: 'D0X', ts: '1.1', text: {} }))],
  ['authorizations [null]', json(envelope({ type: 'app_mention', text: MARK }, { authorizations: [null] }))],
  ['authorizations a string', json(envelope({ type: 'app_mention', text: MARK }, { authorizations: MARK }))],
  ['app_context_changed without context', json(envelope({ type: 'app_context_changed', user: 'U1' }))],
  ['app_home_opened without channel', json(envelope({ type: 'app_home_opened', user: 'U1', tab: 'messages' }))],
  ['command a number', json({ command: 5, team_id: 'T0TEST' })],
  ['payload an empty object', payload({})],
  ['block_actions without user or actions', payload({ type: 'block_actions', team: { id: 'T0TEST' } })],
  ['block_actions with user null', payload({ ...blockAction(), user: null })],
  ['block_actions with actions a string', payload({ ...blockAction(), actions: MARK })],
  ['block_actions with no actions', payload({ ...blockAction(), actions: [] })],
  ['block_actions with actions [null]', payload({ ...blockAction(), actions: [null] })],
  ['block_actions with team a string', payload({ ...blockAction(), team: MARK })],
  ['view_submission without view', payload({ type: 'view_submission', user: { id: 'U1' }, team: { id: 'T0TEST' } })],
  ['view_submission with view null', payload({ type: 'view_submission', user: { id: 'U1' }, view: null })],
  ['view_closed without user', payload({ type: 'view_closed', view: { callback_id: 'x' } })],
  ['global shortcut with user null', payload({ type: 'shortcut', callback_id: 'x', user: null })],
  ['block_suggestion without user', payload({ type: 'block_suggestion', action_id: 'x', value: MARK })],
  ['message_action without user', payload({ type: 'message_action', callback_id: 'ask_about_message' })],
  ['slash command without team, user or channel', form({ command: '/threadwise', text: `ask ${MARK}` })],
  ['slash command without a name', form({ command: '', text: MARK })],
  ['a payload field given twice', { type: 'application/x-www-form-urlencoded', raw: 'payload=%7B%7D&payload=%7B%7D' }],
];

function blockAction(): Record<string, unknown> {
  return blockActionPayload({
    user: 'U1',
    channel: 'C0SUP1',
    message_ts: '1700000000.000100',
    action_id: FEEDBACK_ACTION,
    value: 'positive',
  });
}

let h: Harness;
beforeAll(async () => {
  h = await new Harness({ redis: false }).start();
});
afterAll(async () => h?.stop());

const post = (body: { type: string; raw: string }) =>
  deliver(h.eventsUrl, body.raw, body.type, { signingSecret: SIGNING_SECRET });

describe('signed requests of every malformed shape', () => {
  it.each(NOT_OBJECTS)('%s: refused with 400 and no retry', async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.headers['x-slack-no-retry']).toBe('1');
    expect(res.elapsedMs).toBeLessThan(3_000);
  });

  it.each(UNUSABLE)('%s: acknowledged with 200, never 5xx', async (_name, body) => {
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.elapsedMs).toBeLessThan(3_000);
  });

  it('an unsigned, wrongly signed or stale request is refused with 401; a body over 4 MB with 413', async () => {
    const body = json(envelope({ type: 'app_mention', text: MARK }));
    const wrong = await deliver(h.eventsUrl, body.raw, body.type, {
      signingSecret: SIGNING_SECRET,
      badSignature: true,
    });
    expect(wrong.status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect(
      (await deliver(h.eventsUrl, body.raw, body.type, { signingSecret: SIGNING_SECRET, timestamp: stale })).status,
    ).toBe(401);
    const unsigned = await fetch(h.eventsUrl, {
      method: 'POST',
      headers: { 'Content-Type': body.type },
      body: body.raw,
    });
    expect(unsigned.status).toBe(401);
    const huge = json({ type: 'event_callback', filler: 'x'.repeat(4 * 1024 * 1024 + 1) });
    expect((await post(huge)).status).toBe(413);
  });

  it('a click, shortcut or modal the bot cannot use tells the clicking user', async () => {
    const url = h.slack.responseUrl();
    const clicks = [
      // Feedback buttons without their value or the message they rate.
      {
        ...blockAction(),
        response_url: url,
        actions: [{ action_id: FEEDBACK_ACTION, type: 'feedback_buttons', block_id: 'b' }],
      },
      { ...blockAction(), response_url: url, container: undefined, channel: undefined, message: undefined },
      // Message shortcuts without their message.
      { ...messageActionPayload(shortcut('ask_about_message', url)), message: undefined },
      { ...messageActionPayload(shortcut('summarize_thread', url)), message: undefined },
      { ...messageActionPayload(shortcut('triage_message', url)), message: undefined },
      // A click whose user is missing cannot even be routed; its response_url still reaches the person.
      { ...blockAction(), response_url: url, user: null },
    ];
    const before = h.slack.hookMessages.length;
    for (const click of clicks) expect((await post(payload(click))).status).toBe(200);
    await until(() => h.slack.hookMessages.length - before >= clicks.length, 5_000);
    const notes = h.slack.hookMessages.slice(before).map((m) => m.body);
    expect(notes).toHaveLength(clicks.length);
    for (const note of notes) expect(note).toMatchObject({ response_type: 'ephemeral', text: UNUSABLE_NOTE });
  });

  it('an ask modal whose private_metadata is not JSON answers in the modal', async () => {
    const res = await post(
      payload({
        type: 'view_submission',
        team: { id: 'T0TEST' },
        user: { id: 'U1', team_id: 'T0TEST' },
        api_app_id: 'A0TEST',
        view: {
          callback_id: 'tw_ask_about_message',
          private_metadata: `{not json ${MARK}`,
          state: { values: { question: { question_input: { type: 'plain_text_input', value: 'why?' } } } },
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ response_action: 'errors', errors: { question: expect.any(String) } });
  });

  it('a slash command Slack sent without its ids says so to the person', async () => {
    const { user_id: _, ...fields } = slashCommandBody({
      command: '/threadwise',
      text: 'help',
      user_id: 'U1',
      channel_id: 'C0SUP1',
    });
    const res = await post(form(fields));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ response_type: 'ephemeral' });
  });

  it('after all of them the bot is alive and answers; no log line carries their content', async () => {
    h.openai.enqueue({ kind: 'text', text: 'Still here.' });
    const sent = await h.mention({ text: 'are you alive?' });
    expect(sent.status).toBe(200);
    await h.turnFinished(sent.eventId);
    expect(h.logs.filter((l) => l.includes(MARK))).toEqual([]);
    expect(h.parsedLogs().some((l) => l.msg === 'unusable request from Slack: acknowledged and ignored')).toBe(true);
  });
});

function shortcut(callback_id: string, responseUrl: string) {
  return {
    callback_id,
    user: 'U1',
    channel: 'C0SUP1',
    message: { ts: '1700000000.000100', text: MARK },
    responseUrl,
  };
}

/** Re-checked on every log line and request of the harness in use (no polling); `timeoutMs` is a floor. */
const until = (check: () => boolean, timeoutMs: number) =>
  h.until(check, 'the condition', Math.max(timeoutMs, SIGNAL_TIMEOUT_MS));

describe('Socket Mode envelopes of every malformed shape', () => {
  let s: Harness;
  beforeAll(async () => {
    s = await new Harness({ redis: false, socketMode: true }).start();
    await s.slack.waitForSocketConnections(1);
  });
  afterAll(async () => s?.stop());

  const frames: Array<[string, 'events_api' | 'interactive' | 'slash_commands', unknown]> = [
    ['events_api payload null', 'events_api', null],
    ['events_api payload a string', 'events_api', MARK],
    ['events_api without event', 'events_api', { type: 'event_callback' }],
    ['events_api event null', 'events_api', envelope(null)],
    ['events_api event a string', 'events_api', envelope(MARK)],
    ['events_api event channel null', 'events_api', envelope({ type: 'message', channel: null })],
    ['interactive payload null', 'interactive', null],
    ['interactive payload an array', 'interactive', [MARK]],
    ['interactive block_actions with user null', 'interactive', { ...blockAction(), user: null }],
    ['interactive view_submission without view', 'interactive', { type: 'view_submission', user: { id: 'U1' } }],
    ['slash_commands payload null', 'slash_commands', null],
    ['slash_commands without ids', 'slash_commands', { command: '/threadwise', text: MARK }],
  ];

  it.each(frames)('%s: acknowledged, the process keeps running', async (_name, type, body) => {
    const result = await s.slack.socketRaw(type, body);
    expect(result.acked).toBe(true);
  });

  it('answers a real mention afterwards', async () => {
    s.openai.enqueue({ kind: 'text', text: 'Still connected.' });
    const event = appMention({ user: 'U1', channel: 'C0SUP1', text: `<@${s.slack.botUserId}> still there?` });
    expect((await s.slack.socketEnvelope('events_api', event)).acked).toBe(true);
    await s.waitForLog((l) => l.msg === 'turn finished');
    expect(s.logs.filter((l) => l.includes(MARK))).toEqual([]);
  });
});
