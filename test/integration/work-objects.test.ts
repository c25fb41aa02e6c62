import { afterEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.js';
import { SUP_CHANNEL, toolHarness } from './tool-setup.js';

let h: Harness;
afterEach(async () => h?.stop());

const SUP_101 = 'https://support.example.com/tickets/SUP-101';
const HR_7 = 'https://support.example.com/tickets/HR-7';
const start = () => toolHarness({ slack: { unfurlDomains: ['support.example.com'] } }).start();

/** Posts a link as a person in a conversation and waits until the app has answered Slack's link_shared. */
async function share(channel: string, user: string, url: string) {
  const event = h.slack.shareLinks(channel, user, [url]);
  await h.send(event);
  await h.waitForLog((l) => l.msg === 'ticket links unfurled as work objects' || l.msg === 'ticket links not unfurled');
  return String(event.message_ts);
}

async function openDetails(channel: string, ts: string, user: string, id: string) {
  await h.send(h.slack.openWorkObject(channel, ts, user, id));
  await h.until(() => h.slack.presentedDetails().some((p) => p.user === user && p.entityId === id), 'details shown');
  return h.slack
    .presentedDetails()
    .filter((p) => p.user === user && p.entityId === id)
    .at(-1)!;
}

describe('tickets as Work Objects', () => {
  it('unfurls a pasted ticket link in its project channel as a task with title, status, priority, assignee and dates', async () => {
    h = await start();
    const ts = await share(SUP_CHANNEL, 'U5', SUP_101);

    const [entity, ...more] = h.slack.workObjects(SUP_CHANNEL, ts);
    expect(more).toEqual([]);
    expect(entity).toMatchObject({
      entity_type: 'slack#/entities/task',
      url: SUP_101,
      app_unfurl_url: SUP_101,
      external_ref: { id: 'SUP-101' },
      entity_payload: {
        attributes: { title: { text: 'VPN drops every 10 minutes for the Lisbon office' }, display_id: 'SUP-101' },
        fields: {
          status: { value: 'in_progress' },
          priority: { value: 'high' },
          assignee: { user: { text: 'Grace Hopper' } },
          date_created: { value: Date.parse('2026-08-03T09:12:00Z') / 1000 },
          date_updated: { value: Date.parse('2026-08-19T16:40:00Z') / 1000 },
        },
      },
    });
  });

  it('shows a ticket the channel may not see by its id only, and its details only to viewers the rules allow', async () => {
    h = await start();
    const ts = await share(SUP_CHANNEL, 'U5', HR_7);

    const [card] = h.slack.workObjects(SUP_CHANNEL, ts);
    expect(card).toMatchObject({
      external_ref: { id: 'HR-7' },
      entity_payload: { attributes: { title: { text: 'HR-7' } } },
    });
    expect(JSON.stringify(card)).not.toMatch(/Salary|platform team|cfo/i);

    // A support agent sees every ticket: the full details.
    const agent = await openDetails(SUP_CHANNEL, ts, 'UAGENT', 'HR-7');
    expect(agent.metadata).toMatchObject({
      entity_payload: { attributes: { title: { text: 'Salary review for the platform team' } } },
    });

    // Eve may not: she is told so, and learns nothing of the ticket.
    const eve = await openDetails(SUP_CHANNEL, ts, 'U5', 'HR-7');
    expect(eve.metadata).toBeUndefined();
    expect(eve.error).toMatchObject({ status: 'custom', custom_message: 'You are not permitted to view this ticket.' });
    expect(JSON.stringify(eve)).not.toMatch(/Salary|platform team|open|high/i);

    // A Japanese viewer the rules exclude is told so in Japanese.
    h.slack.addUser('U7', { name: 'yui', real_name: 'Yui Tanaka', display_name: 'Yui', locale: 'ja-JP' });
    const yui = await openDetails(SUP_CHANNEL, ts, 'U7', 'HR-7');
    expect(yui.error).toMatchObject({
      status: 'custom',
      custom_title: '表示できません',
      custom_message: 'このチケットを表示する権限がありません。',
    });
  });

  it('gives the requester their own ticket in full in their DM with the bot', async () => {
    h = await start();
    h.slack.addChannel('D0ADA', { name: 'directmessage', is_im: true, user: 'U1' });
    const ts = await share('D0ADA', 'U1', 'https://support.example.com/tickets/OPS-12');
    expect(h.slack.workObjects('D0ADA', ts)[0]).toMatchObject({
      entity_payload: { attributes: { title: { text: 'Rotate the staging database credentials' } } },
    });
  });

  describe('tickets the bot shows', () => {
    /** The bot's reply in the thread that carries Work Objects (the cards under the answer). */
    const cardsIn = (channel: string) => {
      const root = h.slack.messages(channel)[0]!.ts;
      const replies = h.replies(channel, root);
      const cards = replies.filter((m) => h.slack.workObjects(channel, m.ts).length > 0);
      return { root, replies, cards };
    };

    it('puts a search’s tickets as Work Object cards under the answer, in full in their project channel', async () => {
      h = await start();
      h.openai.enqueue(
        { kind: 'function_calls', calls: [{ name: 'search_tickets', arguments: '{"query":null,"status":null}' }] },
        { kind: 'text', text: 'Three SUP tickets match.' },
      );
      const sent = await h.mention({ user: 'U5', text: 'which tickets do we have?' });
      await h.turnFinished(sent.eventId);

      const { replies, cards } = cardsIn(SUP_CHANNEL);
      // The answer (with its table) first, then one message of cards.
      expect(replies.map((m) => m.ts)).toEqual([replies[0]!.ts, cards[0]!.ts]);
      expect(cards).toHaveLength(1);
      const entities = h.slack.workObjects(SUP_CHANNEL, cards[0]!.ts);
      expect(entities.map((e) => (e.external_ref as { id: string }).id).sort()).toEqual([
        'SUP-101',
        'SUP-102',
        'SUP-103',
      ]);
      expect(entities.find((e) => (e.external_ref as { id: string }).id === 'SUP-101')).toMatchObject({
        entity_type: 'slack#/entities/task',
        url: SUP_101,
        entity_payload: {
          attributes: { title: { text: 'VPN drops every 10 minutes for the Lisbon office' } },
          fields: {
            status: { value: 'in_progress' },
            priority: { value: 'high' },
            assignee: { user: { text: 'Grace Hopper' } },
          },
        },
      });
      // The fallback text names the tickets by id and link only.
      expect(cards[0]!.text).toContain(`<${SUP_101}|SUP-101>`);
      expect(h.parsedLogs().some((l) => l.msg === 'tickets shown as work objects' && l.tickets === 3)).toBe(true);
    });

    it('shows an agent’s HR ticket in the support channel by its id only; an excluded viewer’s details say only no', async () => {
      h = await start();
      h.openai.enqueue(
        { kind: 'function_calls', calls: [{ name: 'lookup_ticket', arguments: '{"ticket_id":"HR-7"}' }] },
        { kind: 'text', text: 'HR-7 is open.' },
      );
      const sent = await h.mention({ user: 'UAGENT', text: 'status of HR-7?' });
      await h.turnFinished(sent.eventId);

      const { cards } = cardsIn(SUP_CHANNEL);
      const card = h.slack.workObjects(SUP_CHANNEL, cards[0]!.ts);
      expect(card).toEqual([expect.objectContaining({ external_ref: { id: 'HR-7', type: 'ticket' }, url: HR_7 })]);
      // Everyone in the channel sees the card: nothing of the ticket beyond its id.
      expect(JSON.stringify(card)).not.toMatch(/Salary|platform team|"fields"|open|high/i);
      expect(cards[0]!.text).not.toMatch(/Salary/);

      // Eve opens it: she is told she may not view it, and the payload holds no title, status or assignee.
      const eve = await openDetails(SUP_CHANNEL, cards[0]!.ts, 'U5', 'HR-7');
      expect(eve.metadata).toBeUndefined();
      expect(eve.error).toEqual({
        status: 'custom',
        custom_title: 'Not available to you',
        custom_message: 'You are not permitted to view this ticket.',
      });
      const call = h.slack.callsTo('entity.presentDetails').at(-1)!.args;
      expect(call).not.toHaveProperty('metadata');
      expect(JSON.stringify(call)).not.toMatch(/Salary|platform team|status":"open|assignee|title":\{/i);

      // The agent who asked opens it and sees it all.
      const agent = await openDetails(SUP_CHANNEL, cards[0]!.ts, 'UAGENT', 'HR-7');
      expect(agent.metadata).toMatchObject({
        entity_payload: { attributes: { title: { text: 'Salary review for the platform team' } } },
      });
    });

    it('gives the asker their own ticket’s card in full in their DM with the bot', async () => {
      h = await start();
      h.slack.addChannel('D0ADA', { name: 'directmessage', is_im: true, user: 'U1' });
      h.openai.enqueue(
        { kind: 'function_calls', calls: [{ name: 'lookup_ticket', arguments: '{"ticket_id":"OPS-12"}' }] },
        { kind: 'text', text: 'OPS-12 is open.' },
      );
      const sent = await h.message({ channel: 'D0ADA', user: 'U1', text: 'OPS-12?' });
      await h.turnFinished(sent.eventId);
      const { cards } = cardsIn('D0ADA');
      expect(h.slack.workObjects('D0ADA', cards[0]!.ts)).toEqual([
        expect.objectContaining({
          entity_payload: expect.objectContaining({
            attributes: { title: { text: 'Rotate the staging database credentials' }, display_id: 'OPS-12' },
          }),
        }),
      ]);
    });

    it('posts no cards for an answer that showed no ticket', async () => {
      h = await start();
      h.openai.enqueue({ kind: 'text', text: 'Hello.' });
      const sent = await h.mention({ user: 'U5', text: 'hi' });
      await h.turnFinished(sent.eventId);
      expect(cardsIn(SUP_CHANNEL).replies).toHaveLength(1);
      expect(h.slack.callsTo('chat.postMessage').filter((c) => c.args.metadata !== undefined)).toEqual([]);
    });
  });
});
