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
  });

  it('gives the requester their own ticket in full in their DM with the bot', async () => {
    h = await start();
    h.slack.addChannel('D0ADA', { name: 'directmessage', is_im: true, user: 'U1' });
    const ts = await share('D0ADA', 'U1', 'https://support.example.com/tickets/OPS-12');
    expect(h.slack.workObjects('D0ADA', ts)[0]).toMatchObject({
      entity_payload: { attributes: { title: { text: 'Rotate the staging database credentials' } } },
    });
  });
});
