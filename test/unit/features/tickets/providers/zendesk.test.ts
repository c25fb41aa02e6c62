import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZendeskProvider } from '../../../../../src/features/tickets/providers/zendesk.js';

const BASE = 'https://acme.zendesk.com';
const zd = () =>
  new ZendeskProvider({ subdomain: 'acme', email: 'bot@acme.com', apiToken: 'zd-secret', project: 'ZD' });
const signal = () => AbortSignal.timeout(5_000);
const AUTH = `Basic ${Buffer.from('bot@acme.com/token:zd-secret').toString('base64')}`;

/** A ticket as the Tickets API returns it (a subset of its many fields). */
function ticket(id: number, over: Record<string, unknown> = {}) {
  return {
    url: `${BASE}/api/v2/tickets/${id}.json`,
    id,
    external_id: null,
    type: 'incident',
    subject: 'Cannot log in to the billing portal',
    raw_subject: 'Cannot log in to the billing portal',
    description: 'Since this morning the portal says my password is wrong.',
    priority: 'high',
    status: 'open',
    recipient: null,
    requester_id: 20978392,
    submitter_id: 20978392,
    assignee_id: 235323,
    organization_id: 509974,
    group_id: 98738,
    tags: ['billing'],
    created_at: '2026-08-10T09:00:00Z',
    updated_at: '2026-08-11T10:00:00Z',
    ...over,
  };
}
const users = [
  {
    id: 20978392,
    url: `${BASE}/api/v2/users/20978392.json`,
    name: 'Ada Lovelace',
    email: 'ada@acme.com',
    role: 'end-user',
  },
  { id: 235323, url: `${BASE}/api/v2/users/235323.json`, name: 'Grace Hopper', email: 'grace@acme.com', role: 'agent' },
];

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('Zendesk provider', () => {
  it('reads a ticket with its users side-loaded, by number, #number or project key', async () => {
    nock(BASE, { reqheaders: { authorization: AUTH } })
      .get('/api/v2/tickets/35436.json')
      .query({ include: 'users' })
      .times(3)
      .reply(200, { ticket: ticket(35436), users });
    for (const id of ['35436', '#35436', 'zd-35436']) {
      expect(await zd().get(id, signal())).toMatchObject({
        id: 'ZD-35436',
        project: 'ZD',
        title: 'Cannot log in to the billing portal',
        status: 'open',
        closed: false,
        priority: 'high',
        assignee: 'Grace Hopper',
        requesterEmail: 'ada@acme.com',
        url: `${BASE}/agent/tickets/35436`,
      });
    }
  });

  it('reports an unknown ticket as not found', async () => {
    nock(BASE)
      .get('/api/v2/tickets/1.json')
      .query(true)
      .reply(404, { error: 'RecordNotFound', description: 'Not found' });
    expect(await zd().get('1', signal())).toBeUndefined();
    expect(await zd().get('SUP-1', signal())).toBeUndefined();
  });

  it('searches tickets and follows next_page', async () => {
    nock(BASE)
      .get('/api/v2/search.json')
      .query({
        query: 'type:ticket status<solved billing login',
        sort_by: 'updated_at',
        sort_order: 'desc',
        per_page: '60',
        include: 'tickets(users)',
      })
      .reply(200, {
        results: [
          { ...ticket(1), result_type: 'ticket' },
          { id: 99, name: 'An org', result_type: 'organization' },
        ],
        users,
        next_page: `${BASE}/api/v2/search.json?page=2&per_page=60&query=type%3Aticket`,
        previous_page: null,
        count: 2,
      });
    nock(BASE)
      .get('/api/v2/search.json')
      .query({ page: '2', per_page: '60', query: 'type:ticket' })
      .reply(200, {
        results: [{ ...ticket(2, { status: 'solved' }), result_type: 'ticket' }],
        users,
        next_page: null,
        previous_page: null,
        count: 2,
      });
    const found = await zd().search({ text: 'billing login', status: 'open', limit: 60 }, signal());
    expect(found.map((t) => [t.id, t.closed])).toEqual([
      ['ZD-1', false],
      ['ZD-2', true],
    ]);
  });

  it('refuses to send credentials to a next_page on another host', async () => {
    nock(BASE)
      .get('/api/v2/search.json')
      .query(true)
      .reply(200, { results: [], users: [], next_page: 'https://evil.example.com/steal', count: 0 });
    await expect(zd().search({ text: null, status: null, limit: 10 }, signal())).rejects.toMatchObject({
      code: 'upstream_error',
      message: expect.stringContaining('another host'),
    });
  });

  it('waits out a 429 with Retry-After', async () => {
    nock(BASE).get('/api/v2/tickets/5.json').query(true).reply(429, 'Too Many Requests', { 'Retry-After': '1' });
    nock(BASE)
      .get('/api/v2/tickets/5.json')
      .query(true)
      .reply(200, { ticket: ticket(5), users });
    expect((await zd().get('5', signal()))?.id).toBe('ZD-5');
  });

  it('creates a ticket for the Slack user as requester', async () => {
    let body: any;
    nock(BASE)
      .post('/api/v2/tickets.json', (b) => ((body = b), true))
      .reply(201, { ticket: ticket(77, { subject: 'Printer jammed', priority: 'normal', status: 'new' }) });
    nock(BASE)
      .get('/api/v2/tickets/77.json')
      .query(true)
      .reply(200, { ticket: ticket(77, { subject: 'Printer jammed', priority: 'normal', status: 'new' }), users });
    const t = await zd().create(
      {
        project: 'ZD',
        title: 'Printer jammed',
        description: 'Error E42',
        priority: 'medium',
        requester: { slackId: 'U1', name: 'Ada Lovelace', email: 'ada@acme.com' },
      },
      signal(),
    );
    expect(body).toEqual({
      ticket: {
        subject: 'Printer jammed',
        comment: { body: 'Error E42\n\nRequested in Slack by Ada Lovelace.' },
        priority: 'normal',
        requester: { name: 'Ada Lovelace', email: 'ada@acme.com' },
      },
    });
    expect(t).toMatchObject({ id: 'ZD-77', status: 'new', requesterEmail: 'ada@acme.com' });
  });
});
