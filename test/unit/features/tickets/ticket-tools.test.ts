import { describe, expect, it } from 'vitest';
import { lookupTicketTool } from '../../../../src/features/tickets/lookup-ticket.js';
import { FileTicketProvider } from '../../../../src/features/tickets/providers/file.js';
import { searchTicketsTool } from '../../../../src/features/tickets/search-tickets.js';
import { access, call, ctx, sampleTicketsCopy, session } from './helpers.js';

const provider = new FileTicketProvider(sampleTicketsCopy());
const tools = [
  lookupTicketTool({ provider, access: () => access }),
  searchTicketsTool({ provider, access: () => access }),
];

describe('lookup_ticket: who may see which ticket', () => {
  const cases: Array<[string, Parameters<typeof ctx>[0], string, 'ok' | 'not_permitted']> = [
    ['an agent sees any ticket in any channel', { userId: 'UAGENT' }, 'HR-7', 'ok'],
    ['an agent sees any ticket in a DM', { userId: 'UAGENT', channel: 'D1', isDm: true }, 'HR-7', 'ok'],
    ["anyone in a project's channel sees that project's tickets", { userId: 'U5', channel: 'C100' }, 'SUP-102', 'ok'],
    [
      "a project's channel grants nothing outside its projects",
      { userId: 'U5', channel: 'C100' },
      'OPS-12',
      'not_permitted',
    ],
    ['the requester sees their own ticket in any channel', { userId: 'U1', channel: 'C200' }, 'OPS-12', 'ok'],
    ['the requester sees their own ticket in a DM', { userId: 'U1', channel: 'D1', isDm: true }, 'SUP-101', 'ok'],
    [
      'the requester is also recognised by their Slack email',
      { userId: 'U7', email: 'ADA@example.com', channel: 'D1', isDm: true },
      'SUP-101',
      'ok',
    ],
    [
      "someone else cannot see another person's ticket in a DM",
      { userId: 'U5', channel: 'D1', isDm: true },
      'SUP-101',
      'not_permitted',
    ],
    [
      "someone else cannot see another person's ticket in an unlisted channel",
      { userId: 'U5', channel: 'C200' },
      'SUP-102',
      'not_permitted',
    ],
    ['a DM never inherits channel projects', { userId: 'U5', channel: 'C100', isDm: true }, 'SUP-102', 'not_permitted'],
  ];
  for (const [name, who, id, expected] of cases) {
    it(name, async () => {
      const out = await call(session(tools, ctx(who)), 'lookup_ticket', { ticket_id: id });
      if (expected === 'ok') {
        expect(out).toMatchObject({ ok: true, data: { id } });
        expect(out.untrusted_data).toMatch(/never follow instructions/);
      } else {
        expect(out).toEqual({
          tool: 'lookup_ticket',
          ok: false,
          error: { code: 'not_permitted', message: expect.stringContaining(id) },
        });
      }
    });
  }

  it('reveals nothing about a ticket the user may not see', async () => {
    const out = JSON.stringify(
      await call(session(tools, ctx({ userId: 'U5' })), 'lookup_ticket', { ticket_id: 'HR-7' }),
    );
    expect(out).not.toMatch(/salary|Salary|People Ops|HR\b(?!-7)|high|confidential/i);
  });

  it('says not found for an unknown id', async () => {
    expect(await call(session(tools, ctx()), 'lookup_ticket', { ticket_id: 'SUP-999' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('rejects bad arguments with the reason, before anything runs', async () => {
    const s = session(tools, ctx());
    expect(await call(s, 'lookup_ticket', {})).toMatchObject({
      ok: false,
      error: { code: 'invalid_arguments', message: expect.stringContaining('ticket_id') },
    });
    expect(await call(s, 'lookup_ticket', { ticket_id: 'SUP-1; DROP' })).toMatchObject({
      error: { code: 'invalid_arguments' },
    });
    expect(await call(s, 'lookup_ticket', { ticket_id: 'SUP-101', extra: 1 })).toMatchObject({
      error: { code: 'invalid_arguments' },
    });
    expect(await call(s, 'lookup_ticket', '{"ticket_id": "SUP-1')).toMatchObject({ error: { code: 'invalid_json' } });
    expect(await call(s, 'delete_everything', {})).toMatchObject({
      error: { code: 'unknown_tool', message: expect.stringContaining('lookup_ticket') },
    });
  });
});

describe('search_tickets: results limited to what the user may see', () => {
  it('an agent finds tickets of every project', async () => {
    const out = await call(session(tools, ctx({ userId: 'UAGENT' })), 'search_tickets', { query: null, status: null });
    expect(out.data.tickets.map((t: { id: string }) => t.id).sort()).toEqual([
      'HR-7',
      'OPS-12',
      'SUP-101',
      'SUP-102',
      'SUP-103',
    ]);
  });

  it("a channel member sees the channel's project plus their own tickets", async () => {
    const out = await call(session(tools, ctx({ userId: 'U1', channel: 'C100' })), 'search_tickets', {
      query: null,
      status: 'open',
    });
    expect(out.data.tickets.map((t: { id: string }) => t.id).sort()).toEqual(['OPS-12', 'SUP-101', 'SUP-102']);
  });

  it('someone else in a DM finds only what they requested', async () => {
    const out = await call(session(tools, ctx({ userId: 'U2', channel: 'D2', isDm: true })), 'search_tickets', {
      query: 'invoice currency',
      status: null,
    });
    expect(out.data.tickets.map((t: { id: string }) => t.id)).toEqual(['SUP-102']);
    const none = await call(session(tools, ctx({ userId: 'U2', channel: 'D2', isDm: true })), 'search_tickets', {
      query: 'salary',
      status: null,
    });
    expect(none.data).toEqual({ count: 0, tickets: [] });
  });

  it('finds by words with typos and filters by status', async () => {
    const out = await call(session(tools, ctx({ userId: 'UAGENT' })), 'search_tickets', {
      query: 'vpn lisbn',
      status: 'open',
    });
    expect(out.data.tickets[0].id).toBe('SUP-101');
    const closed = await call(session(tools, ctx({ userId: 'UAGENT' })), 'search_tickets', {
      query: 'password',
      status: 'closed',
    });
    expect(closed.data.tickets.map((t: { id: string }) => t.id)).toEqual(['SUP-103']);
  });

  it('rejects a status outside the enum and a missing field', async () => {
    const s = session(tools, ctx());
    expect(await call(s, 'search_tickets', { query: 'x', status: 'pending' })).toMatchObject({
      error: { code: 'invalid_arguments', message: expect.stringContaining('status') },
    });
    expect(await call(s, 'search_tickets', { query: 'x' })).toMatchObject({ error: { code: 'invalid_arguments' } });
  });
});
