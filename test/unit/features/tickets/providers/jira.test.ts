import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JiraProvider } from '../../../../../src/features/tickets/providers/jira.js';

const BASE = 'https://acme.atlassian.net';
const jira = () => new JiraProvider({ baseUrl: BASE, email: 'bot@acme.com', apiToken: 'jira-secret-token' });
const signal = () => AbortSignal.timeout(5_000);
const AUTH = `Basic ${Buffer.from('bot@acme.com:jira-secret-token').toString('base64')}`;

/** An issue as GET /rest/api/3/issue/{key} returns it (trimmed to the requested fields, as Jira does). */
function issue(key: string, over: Record<string, unknown> = {}) {
  return {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: '10042',
    self: `${BASE}/rest/api/3/issue/10042`,
    key,
    fields: {
      summary: 'VPN drops every 10 minutes',
      status: {
        self: `${BASE}/rest/api/3/status/3`,
        name: 'In Progress',
        id: '3',
        statusCategory: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
      },
      priority: { self: `${BASE}/rest/api/3/priority/2`, name: 'High', id: '2' },
      assignee: {
        accountId: '5b10a2844c20165700ede21g',
        displayName: 'Grace Hopper',
        active: true,
        timeZone: 'Europe/Lisbon',
      },
      reporter: {
        accountId: '5b10ac8d82e05b22cc7d4ef5',
        displayName: 'Ada Lovelace',
        emailAddress: 'ada@acme.com',
        active: true,
      },
      created: '2026-08-03T09:12:00.000+0000',
      updated: '2026-08-19T16:40:00.000+0000',
      description: {
        type: 'doc',
        version: 1,
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'Tunnel resets ' },
              { type: 'text', text: 'often', marks: [{ type: 'strong' }] },
            ],
          },
          {
            type: 'bulletList',
            content: [
              { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'since Aug 2' }] }] },
            ],
          },
        ],
      },
      project: {
        self: `${BASE}/rest/api/3/project/10000`,
        id: '10000',
        key: key.split('-')[0],
        name: 'Support',
        projectTypeKey: 'software',
      },
      ...over,
    },
  };
}
const myself = () =>
  nock(BASE)
    .get('/rest/api/3/myself')
    .reply(200, { accountId: '712020:bot-account', emailAddress: 'bot@acme.com', displayName: 'Threadwise' });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('Jira Cloud provider', () => {
  it('reads an issue with basic auth, flattening its ADF description', async () => {
    myself();
    nock(BASE, { reqheaders: { authorization: AUTH } })
      .get('/rest/api/3/issue/SUP-101')
      .query((q) => String(q.fields).includes('reporter'))
      .reply(200, issue('SUP-101'));
    const t = await jira().get('sup-101', signal());
    expect(t).toMatchObject({
      id: 'SUP-101',
      project: 'SUP',
      status: 'In Progress',
      closed: false,
      priority: 'High',
      assignee: 'Grace Hopper',
      requesterEmail: 'ada@acme.com',
      requesterSlackId: null,
      url: `${BASE}/browse/SUP-101`,
    });
    expect(t?.description).toBe('Tunnel resets often\nsince Aug 2');
  });

  it('reports an unknown issue as not found', async () => {
    nock(BASE)
      .get('/rest/api/3/issue/SUP-999')
      .query(true)
      .reply(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
    expect(await jira().get('SUP-999', signal())).toBeUndefined();
    expect(await jira().get('not an id', signal())).toBeUndefined();
  });

  it('waits out a 429 with Retry-After and then answers', async () => {
    myself();
    nock(BASE).get('/rest/api/3/issue/SUP-101').query(true).reply(429, '', { 'Retry-After': '1' });
    nock(BASE).get('/rest/api/3/issue/SUP-101').query(true).reply(200, issue('SUP-101'));
    const started = Date.now();
    expect((await jira().get('SUP-101', signal()))?.id).toBe('SUP-101');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('does not sit out a long Retry-After inside a tool call', async () => {
    nock(BASE).get('/rest/api/3/issue/SUP-101').query(true).reply(429, '', { 'Retry-After': '120' });
    await expect(jira().get('SUP-101', signal())).rejects.toMatchObject({
      code: 'upstream_error',
      message: expect.stringContaining('120 s'),
    });
  });

  it('searches with JQL through /search/jql, following nextPageToken', async () => {
    myself();
    const jqls: string[] = [];
    nock(BASE)
      .get('/rest/api/3/search/jql')
      .query((q) => (jqls.push(String(q.jql)), !q.nextPageToken))
      .reply(200, { issues: [issue('SUP-101')], nextPageToken: 'CAEaAggB', isLast: false });
    nock(BASE)
      .get('/rest/api/3/search/jql')
      .query((q) => q.nextPageToken === 'CAEaAggB')
      .reply(200, {
        issues: [issue('SUP-102', { status: { name: 'Done', statusCategory: { key: 'done' } } })],
        isLast: true,
      });
    const found = await jira().search({ text: 'vpn "drops"', status: 'open', limit: 60 }, signal());
    expect(found.map((t) => [t.id, t.closed])).toEqual([
      ['SUP-101', false],
      ['SUP-102', true],
    ]);
    expect(jqls[0]).toBe('text ~ "vpn drops" AND statusCategory != Done ORDER BY updated DESC');
  });

  it('creates an issue with an ADF description and returns it as Jira stores it', async () => {
    let body: any;
    nock(BASE)
      .post('/rest/api/3/issue', (b) => ((body = b), true))
      .reply(201, { id: '10050', key: 'SUP-131', self: `${BASE}/rest/api/3/issue/10050` });
    myself();
    const marker = '<!-- threadwise:requester=U1 -->';
    nock(BASE)
      .get('/rest/api/3/issue/SUP-131')
      .query(true)
      .reply(
        200,
        issue('SUP-131', {
          reporter: { accountId: '712020:bot-account', displayName: 'Threadwise' },
          description: {
            type: 'doc',
            version: 1,
            content: [{ type: 'paragraph', content: [{ type: 'text', text: `Printer jammed ${marker}` }] }],
          },
        }),
      );
    const t = await jira().create(
      {
        project: 'SUP',
        title: 'Printer jammed',
        description: 'Error E42',
        priority: 'urgent',
        requester: { slackId: 'U1', name: 'Ada' },
      },
      signal(),
    );
    expect(body.fields).toMatchObject({
      project: { key: 'SUP' },
      summary: 'Printer jammed',
      issuetype: { name: 'Task' },
      priority: { name: 'Highest' },
      description: { type: 'doc', version: 1 },
    });
    expect(JSON.stringify(body.fields.description)).toContain(marker);
    // The bot reported it, so its Slack requester is trusted; the marker itself is not shown.
    expect(t).toMatchObject({ id: 'SUP-131', requesterSlackId: 'U1', description: 'Printer jammed' });
  });

  it('ignores a requester marker in an issue someone else reported', async () => {
    myself();
    nock(BASE)
      .get('/rest/api/3/issue/SUP-140')
      .query(true)
      .reply(
        200,
        issue('SUP-140', {
          description: {
            type: 'doc',
            version: 1,
            content: [{ type: 'paragraph', content: [{ type: 'text', text: '<!-- threadwise:requester=U1 -->' }] }],
          },
        }),
      );
    expect((await jira().get('SUP-140', signal()))?.requesterSlackId).toBeNull();
  });

  it('names the service and the status on other errors, without the token', async () => {
    nock(BASE)
      .get('/rest/api/3/issue/SUP-1')
      .query(true)
      .reply(401, { errorMessages: ['Client must be authenticated'] });
    const err = await jira()
      .get('SUP-1', signal())
      .catch((e: Error) => e);
    expect(String((err as Error).message)).toMatch(/Jira answered HTTP 401: check its credentials/);
    expect(String((err as Error).message)).not.toContain('jira-secret-token');
  });
});
