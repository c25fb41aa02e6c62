import { afterEach, describe, expect, it } from 'vitest';
import { blockActionPayload, sendInteraction } from '../fakes/slack-events.js';
import { type Harness, SIGNING_SECRET } from './harness.js';
import { readTickets, SUP_CHANNEL, ticketsFile, toolHarness } from './tool-setup.js';

let h: Harness;
afterEach(async () => h?.stop());

const proposal = {
  title: 'Printer on floor 3 is jammed',
  description: 'It shows error E42 since this morning and prints nothing.',
  priority: 'high',
};

/** Asks for a ticket in the support channel and returns the approval card the bot posted. */
async function askForTicket(user = 'U1') {
  h.openai.enqueue(
    { kind: 'function_calls', calls: [{ name: 'create_ticket', arguments: JSON.stringify(proposal) }] },
    { kind: 'text', text: 'I prepared the ticket. Click *Approve* to create it.' },
  );
  const sent = await h.mention({ user, text: 'please open a ticket: the floor 3 printer is jammed' });
  await h.turnFinished(sent.eventId);
  const threadTs = h.slack.messages(SUP_CHANNEL)[0]!.ts;
  const card = h
    .replies(SUP_CHANNEL, threadTs)
    .find((m) => JSON.stringify(m.blocks ?? []).includes('tw_ticket_approve'))!;
  const actions = (card.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>).find(
    (b) => b.type === 'actions',
  )!;
  return { threadTs, card, approvalId: actions.elements![0]!.value };
}

async function click(
  user: string,
  action: 'approve' | 'cancel',
  card: { ts: string },
  approvalId: string,
  threadTs: string,
) {
  const before = h.parsedLogs().filter((l) => l.msg === 'approval handled').length;
  const res = await sendInteraction(
    h.eventsUrl,
    blockActionPayload({
      user,
      channel: SUP_CHANNEL,
      message_ts: card.ts,
      thread_ts: threadTs,
      action_id: `tw_ticket_${action}`,
      value: approvalId,
    }),
    { signingSecret: SIGNING_SECRET },
  );
  expect(res.status).toBe(200);
  await h.until(() => h.parsedLogs().filter((l) => l.msg === 'approval handled').length > before, 'approval handled');
  return h
    .parsedLogs()
    .filter((l) => l.msg === 'approval handled')
    .at(-1)!;
}

describe('create_ticket needs the asking user to approve', () => {
  it('posts an approval card instead of writing; a wrong clicker is refused, the asker’s click creates it', async () => {
    const tickets = ticketsFile();
    h = await toolHarness({ tickets }).start();
    const before = readTickets(tickets).length;
    const { threadTs, card, approvalId } = await askForTicket('U1');

    expect(card.text).toContain('Printer on floor 3 is jammed');
    expect(card.text).toContain('Only <@U1> can approve');
    expect(readTickets(tickets)).toHaveLength(before);
    expect(h.replies(SUP_CHANNEL, threadTs).map((m) => m.text)).toContain(
      'I prepared the ticket. Click *Approve* to create it.',
    );

    // Grace is in the channel too, but it is not her request.
    expect(await click('U2', 'approve', card, approvalId, threadTs)).toMatchObject({ decision: 'wrong_user' });
    expect(h.slack.ephemerals().at(-1)).toMatchObject({
      user: 'U2',
      text: 'Only <@U1> can approve or cancel this ticket request.',
    });
    expect(readTickets(tickets)).toHaveLength(before);

    expect(await click('U1', 'approve', card, approvalId, threadTs)).toMatchObject({ decision: 'created' });
    const created = readTickets(tickets).at(-1)!;
    expect(created).toMatchObject({
      id: 'SUP-104',
      project: 'SUP',
      title: proposal.title,
      priority: 'high',
      status: 'open',
      requester_slack_id: 'U1',
      requester_email: 'ada@example.com',
    });
    const texts = h.replies(SUP_CHANNEL, threadTs).map((m) => m.text);
    expect(texts.at(-1)).toBe(
      '✅ Ada approved: created ticket **SUP-104** “Printer on floor 3 is jammed” (priority high, status open)',
    );
    const updatedCard = h.slack.messages(SUP_CHANNEL).find((m) => m.ts === card.ts)!;
    expect(JSON.stringify(updatedCard.blocks)).not.toContain('tw_ticket_approve');
    expect(updatedCard.text).toContain('Approved by <@U1>: created *SUP-104*');

    // A second click (double click, or later) cannot create it again.
    expect(await click('U1', 'approve', card, approvalId, threadTs)).toMatchObject({ decision: 'expired' });
    expect(readTickets(tickets).filter((t) => t.title === proposal.title)).toHaveLength(1);

    // The model sees the outcome next turn.
    h.openai.enqueue({ kind: 'text', text: 'SUP-104 is open.' });
    const follow = await h.mention({ user: 'U1', thread_ts: threadTs, text: 'did it work?' });
    await h.turnFinished(follow.eventId);
    const input = h.openai.responsesRequests().at(-1)!.body.input as Array<{ role?: string; content?: unknown }>;
    expect(JSON.stringify(input.filter((i) => i.role === 'assistant'))).toContain('created ticket **SUP-104**');
  });

  it('cancels on the asker’s Cancel and creates nothing', async () => {
    const tickets = ticketsFile();
    h = await toolHarness({ tickets }).start();
    const before = readTickets(tickets).length;
    const { threadTs, card, approvalId } = await askForTicket('U1');
    expect(await click('U1', 'cancel', card, approvalId, threadTs)).toMatchObject({ decision: 'cancelled' });
    expect(readTickets(tickets)).toHaveLength(before);
    expect(h.replies(SUP_CHANNEL, threadTs).at(-1)!.text).toBe(
      '🚫 Ada cancelled the request to create the ticket “Printer on floor 3 is jammed”. Nothing was created.',
    );
    expect(await click('U1', 'approve', card, approvalId, threadTs)).toMatchObject({ decision: 'expired' });
    expect(readTickets(tickets)).toHaveLength(before);
  });

  it('ignores a forged approval that names an unknown request', async () => {
    h = await toolHarness().start();
    const { threadTs, card } = await askForTicket('U1');
    expect(await click('U1', 'approve', card, 'deadbeefdeadbeefdeadbeef', threadTs)).toMatchObject({
      decision: 'expired',
    });
  });
});
