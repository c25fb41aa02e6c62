import { afterEach, describe, expect, it } from 'vitest';
import { blockActionPayload, messageActionPayload } from '../fakes/slack-events.js';
import { pngScreenshot } from '../fixtures/files.js';
import type { Harness } from './harness.js';
import { readTickets, SUP_CHANNEL, ticketsFile, toolHarness, toolYaml } from './tool-setup.js';

let h: Harness;
afterEach(async () => h?.stop());

const TRIAGE = {
  title: 'Checkout button does nothing on Safari',
  summary: 'Since this morning the checkout button on Safari 17 does not respond; Chrome works.',
  severity: 'high',
  category: 'bug',
  component: 'web checkout',
  steps_to_reproduce: ['Open the cart in Safari 17', 'Click Checkout'],
  suggested_owner: 'payments team',
  confidence: 0.8,
};

const until = (check: () => boolean, what: string) => h.until(check, what);

type CardBlocks = Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>;

/** The card's "Create ticket" button, as the first element of its actions block. */
const ticketButton = (card: { blocks?: unknown }) =>
  (card.blocks as CardBlocks).find((b) => b.type === 'actions')!.elements![0]!;

/** `user` presses the card's "Create ticket" in the report's thread. */
async function pressCreateTicket(user: string, channel: string, card: { ts: string; blocks?: unknown }, ts: string) {
  const button = ticketButton(card);
  await h.interact(
    blockActionPayload({
      user,
      channel,
      message_ts: card.ts,
      thread_ts: ts,
      action_id: button.action_id,
      value: button.value,
    }),
  );
}

async function triage(message: { ts: string; text: string; files?: unknown[] }) {
  const res = await h.interact(
    messageActionPayload({
      callback_id: 'triage_message',
      user: 'U1',
      channel: SUP_CHANNEL,
      message: { user: 'U2', ...message },
      responseUrl: h.slack.responseUrl(),
    }),
  );
  expect(res.status).toBe(200);
  await h.waitForLog((l) => l.msg === 'triage finished');
  return h.replies(SUP_CHANNEL, message.ts);
}

describe('“Triage this”', () => {
  it('reads the report and its screenshot with Structured Outputs and posts a card; “Create ticket” goes through approval', async () => {
    const tickets = ticketsFile();
    h = await toolHarness({ tickets }).start();
    const before = readTickets(tickets).length;
    const shot = h.slack.addFile({
      id: 'F0BUG',
      name: 'checkout.png',
      mimetype: 'image/png',
      bytes: await pngScreenshot(1024, 768),
    });
    const ts = h.slack.addMessage(SUP_CHANNEL, {
      user: 'U2',
      text: 'checkout is broken on safari, see screenshot',
      files: [shot],
    });
    h.openai.enqueue({ kind: 'json', value: TRIAGE });

    const [card] = await triage({ ts, text: 'checkout is broken on safari, see screenshot', files: [shot] });
    const body = h.openai.responsesRequests()[0]!.body;
    expect(body.text.format).toMatchObject({ type: 'json_schema', name: 'triage', strict: true });
    expect(body.text.format.schema.required).toEqual([
      'title',
      'summary',
      'severity',
      'category',
      'component',
      'steps_to_reproduce',
      'suggested_owner',
      'confidence',
    ]);
    const parts = body.input[0].content as Array<{ type: string; text?: string; image_url?: string }>;
    expect(parts[0]!.text).toContain('checkout is broken on safari');
    expect(parts[1]).toMatchObject({
      type: 'input_image',
      image_url: expect.stringMatching(/^data:image\/png;base64,/),
    });
    expect(h.slack.callsTo('assistant.threads.setStatus')[0]!.args).toMatchObject({
      status: 'is triaging this report…',
      loading_messages: ['Reading your screenshot…', 'Triaging the report…'],
    });

    expect(h.slack.callsTo('chat.postMessage').at(-1)!.args.text).toBe(
      'Triage: Checkout button does nothing on Safari (severity high)',
    );
    expect(card!.text).toContain('Checkout button does nothing on Safari');
    const blocks = JSON.stringify(card!.blocks);
    expect(blocks).toContain('web checkout');
    expect(blocks).toContain('payments team');
    expect(blocks).toContain('Confidence 80%');
    expect(ticketButton(card!).action_id).toBe('tw_triage_ticket');

    await pressCreateTicket('U1', SUP_CHANNEL, card!, ts);
    await until(
      () => h.replies(SUP_CHANNEL, ts).some((m) => JSON.stringify(m.blocks ?? []).includes('tw_ticket_approve')),
      'the approval card',
    );
    const approval = h
      .replies(SUP_CHANNEL, ts)
      .find((m) => JSON.stringify(m.blocks ?? []).includes('tw_ticket_approve'))!;
    expect(approval.text).toContain('Checkout button does nothing on Safari');
    expect(readTickets(tickets)).toHaveLength(before);

    const approvalId = (approval.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>).find(
      (b) => b.type === 'actions',
    )!.elements![0]!.value;
    await h.interact(
      blockActionPayload({
        user: 'U1',
        channel: SUP_CHANNEL,
        message_ts: approval.ts,
        thread_ts: ts,
        action_id: 'tw_ticket_approve',
        value: approvalId,
      }),
    );
    await until(() => readTickets(tickets).length === before + 1, 'the ticket');
    expect(readTickets(tickets).at(-1)).toMatchObject({
      project: 'SUP',
      title: TRIAGE.title,
      priority: 'high',
      requester_slack_id: 'U1',
    });
    expect(String(readTickets(tickets).at(-1)!.description)).toContain('1. Open the cart in Safari 17');
  });

  it('a refusal is explained instead of a card', async () => {
    h = await toolHarness().start();
    const ts = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'something inappropriate' });
    h.openai.enqueue({ kind: 'refusal', refusal: 'I can’t help with that.' });
    const replies = await triage({ ts, text: 'something inappropriate' });
    expect(replies.map((m) => m.text)).toEqual(["⚠️ I can't triage this message: I can’t help with that."]);
  });

  it('an incomplete output gives no card and says why', async () => {
    h = await toolHarness().start();
    const ts = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'long report' });
    h.openai.enqueue({
      kind: 'text',
      text: '{"title":"Checkout',
      status: 'incomplete',
      incompleteReason: 'max_output_tokens',
    });
    const replies = await triage({ ts, text: 'long report' });
    expect(replies.map((m) => m.text)).toEqual([expect.stringContaining('cut off before it was complete')]);
  });

  it('an answer that breaks the schema is rejected, not shown', async () => {
    h = await toolHarness().start();
    const ts = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'report' });
    h.openai.enqueue({ kind: 'json', value: { ...TRIAGE, severity: 'apocalyptic', confidence: 7 } });
    const replies = await triage({ ts, text: 'report' });
    expect(replies.map((m) => m.text)).toEqual([expect.stringContaining('shape I could not use')]);
    expect(h.parsedLogs().find((l) => l.msg === 'triage finished')).toMatchObject({ outcome: 'invalid' });
  });

  it('“Create ticket” from a conversation without a project is refused privately', async () => {
    h = await toolHarness().start();
    const ts = h.slack.addMessage('C0RANDOM', { user: 'U2', text: 'the coffee machine is broken' });
    h.openai.enqueue({ kind: 'json', value: TRIAGE });
    await h.interact(
      messageActionPayload({
        callback_id: 'triage_message',
        user: 'U1',
        channel: 'C0RANDOM',
        message: { user: 'U2', ts, text: 'the coffee machine is broken' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    await h.waitForLog((l) => l.msg === 'triage finished');
    const card = h.replies('C0RANDOM', ts)[0]!;
    await pressCreateTicket('U1', 'C0RANDOM', card, ts);
    await until(() => h.slack.ephemerals().length === 1, 'the refusal');
    expect(h.slack.ephemerals()[0]).toMatchObject({
      user: 'U1',
      text: expect.stringContaining('not linked to a project'),
    });
  });

  it('writes a Japanese reporter’s card in Japanese, and refuses their “Create ticket” in Japanese too', async () => {
    h = await toolHarness().start();
    h.slack.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    const ts = h.slack.addMessage('C0RANDOM', { user: 'U2', text: 'the coffee machine is broken' });
    h.openai.enqueue({ kind: 'json', value: TRIAGE });
    await h.interact(
      messageActionPayload({
        callback_id: 'triage_message',
        user: 'U7',
        channel: 'C0RANDOM',
        message: { user: 'U2', ts, text: 'the coffee machine is broken' },
        responseUrl: h.slack.responseUrl(),
      }),
    );
    await h.waitForLog((l) => l.msg === 'triage finished');
    const card = h.replies('C0RANDOM', ts)[0]!;
    const blocks = JSON.stringify(card.blocks);
    expect(blocks).toContain('*重大度*\\n高');
    expect(blocks).toContain('チケットを作成');
    await pressCreateTicket('U7', 'C0RANDOM', card, ts);
    await until(() => h.slack.ephemerals().length === 1, 'the refusal');
    expect(h.slack.ephemerals()[0]!.text).toBe(
      'ここからはチケットを作成できません。この会話はどのプロジェクトにも紐づいていないため、ここからはチケットを作成できません。チームのサポートチャンネルで依頼してください。',
    );
  });

  const buttonOf = (card: { blocks?: unknown }) =>
    (card.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
      (b) => b.type === 'actions',
    )?.elements?.[0];
  const LOOKUP_ONLY = `channels:\n  ${SUP_CHANNEL}:\n    tools: [lookup_ticket, search_tickets]`;

  it('offers no “Create ticket” button where the channel’s tool list leaves create_ticket out', async () => {
    h = await toolHarness({ yaml: LOOKUP_ONLY }).start();
    const ts = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'checkout is broken on safari' });
    h.openai.enqueue({ kind: 'json', value: TRIAGE });

    const [card] = await triage({ ts, text: 'checkout is broken on safari' });

    expect(card!.text).toContain('Checkout button does nothing on Safari');
    expect(buttonOf(card!)).toBeUndefined();
    expect(JSON.stringify(card!.blocks)).not.toContain('a ticket is created only after approval');
  });

  it('refuses “Create ticket” on an older card once the channel’s tool list leaves create_ticket out', async () => {
    const tickets = ticketsFile();
    h = await toolHarness({ tickets }).start();
    const before = readTickets(tickets).length;
    const ts = h.slack.addMessage(SUP_CHANNEL, { user: 'U2', text: 'checkout is broken on safari' });
    h.openai.enqueue({ kind: 'json', value: TRIAGE });
    const [card] = await triage({ ts, text: 'checkout is broken on safari' });
    const button = buttonOf(card!)!;

    // A deploy narrows the channel's tools while the card (kept in Redis) is still clickable.
    await h.reconfigure(toolYaml({ tickets, yaml: LOOKUP_ONLY }));
    await h.interact(
      blockActionPayload({
        user: 'U1',
        channel: SUP_CHANNEL,
        message_ts: card!.ts,
        thread_ts: ts,
        action_id: button.action_id,
        value: button.value,
      }),
    );
    await until(() => h.slack.ephemerals().length === 1, 'the refusal');

    expect(h.slack.ephemerals()[0]).toMatchObject({
      user: 'U1',
      text: 'I can’t create a ticket from here. create_ticket is not available in this conversation.',
    });
    expect(h.parsedLogs().find((l) => l.event === 'tool_call')).toMatchObject({
      tool: 'create_ticket',
      initiated_by: 'user',
      outcome: 'unknown_tool',
    });
    expect(h.replies(SUP_CHANNEL, ts).some((m) => JSON.stringify(m.blocks ?? []).includes('tw_ticket_approve'))).toBe(
      false,
    );
    expect(readTickets(tickets)).toHaveLength(before);
  });
});
