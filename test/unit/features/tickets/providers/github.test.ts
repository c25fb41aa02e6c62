import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitHubProvider, nextLink } from '../../../../../src/features/tickets/providers/github.js';

const API = 'https://api.github.com';
const gh = () => new GitHubProvider({ token: 'ghp_secret', repo: 'acme/support', project: 'SUPPORT' });
const signal = () => AbortSignal.timeout(5_000);

/** An issue as GET /repos/{owner}/{repo}/issues/{number} returns it (a subset of its fields). */
function issue(n: number, over: Record<string, unknown> = {}) {
  return {
    url: `${API}/repos/acme/support/issues/${n}`,
    repository_url: `${API}/repos/acme/support`,
    html_url: `https://github.com/acme/support/issues/${n}`,
    id: 1000 + n,
    node_id: 'I_kwDOAbc',
    number: n,
    title: 'Export fails for large workspaces',
    user: { login: 'octocat', id: 1, type: 'User' },
    labels: [
      { id: 208045946, name: 'priority: high', color: 'f29513', default: false },
      { id: 2, name: 'bug', color: 'd73a4a', default: true },
    ],
    state: 'open',
    locked: false,
    assignee: { login: 'hubot', id: 2, type: 'User' },
    assignees: [{ login: 'hubot', id: 2, type: 'User' }],
    comments: 3,
    created_at: '2026-08-01T10:00:00Z',
    updated_at: '2026-08-02T10:00:00Z',
    closed_at: null,
    author_association: 'MEMBER',
    body: 'Exports over 2 GB time out.',
    ...over,
  };
}
const self = () => nock(API).get('/user').reply(200, { login: 'threadwise-bot', id: 99, type: 'Bot' });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

describe('GitHub Issues provider', () => {
  it('reads an issue with the API version headers', async () => {
    self();
    nock(API, {
      reqheaders: {
        authorization: 'Bearer ghp_secret',
        'x-github-api-version': '2022-11-28',
        accept: 'application/vnd.github+json',
      },
    })
      .get('/repos/acme/support/issues/42')
      .reply(200, issue(42));
    expect(await gh().get('SUPPORT-42', signal())).toMatchObject({
      id: 'SUPPORT-42',
      project: 'SUPPORT',
      status: 'open',
      closed: false,
      priority: 'high',
      assignee: 'hubot',
      requesterSlackId: null,
      url: 'https://github.com/acme/support/issues/42',
      description: 'Exports over 2 GB time out.',
    });
  });

  it('treats a missing issue and a pull request as not found', async () => {
    nock(API).get('/repos/acme/support/issues/7').reply(404, {
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/issues/issues#get-an-issue',
      status: '404',
    });
    nock(API)
      .get('/repos/acme/support/issues/8')
      .reply(200, issue(8, { pull_request: { url: `${API}/repos/acme/support/pulls/8` } }));
    expect(await gh().get('#7', signal())).toBeUndefined();
    expect(await gh().get('acme/support#8', signal())).toBeUndefined();
  });

  it('searches issues of the repository, following the Link header', async () => {
    self();
    nock(API)
      .get('/search/issues')
      .query({
        q: 'repo:acme/support is:issue state:closed export',
        sort: 'updated',
        order: 'desc',
        per_page: '60',
        advanced_search: 'true',
      })
      .reply(
        200,
        { total_count: 2, incomplete_results: false, items: [issue(1, { state: 'closed' })] },
        {
          Link: `<${API}/search/issues?q=repo%3Aacme%2Fsupport&page=2>; rel="next", <${API}/search/issues?q=repo%3Aacme%2Fsupport&page=2>; rel="last"`,
        },
      );
    nock(API)
      .get('/search/issues')
      .query({ q: 'repo:acme/support', page: '2' })
      .reply(200, { total_count: 2, incomplete_results: false, items: [issue(2, { state: 'closed' })] });
    const found = await gh().search({ text: 'export', status: 'closed', limit: 60 }, signal());
    expect(found.map((t) => [t.id, t.closed])).toEqual([
      ['SUPPORT-1', true],
      ['SUPPORT-2', true],
    ]);
  });

  it('honours a secondary rate limit (403 with Retry-After)', async () => {
    self();
    nock(API)
      .get('/repos/acme/support/issues/3')
      .reply(403, { message: 'You have exceeded a secondary rate limit.' }, { 'Retry-After': '1' });
    nock(API).get('/repos/acme/support/issues/3').reply(200, issue(3));
    expect((await gh().get('3', signal()))?.id).toBe('SUPPORT-3');
  });

  it('creates an issue with a priority label; the bot-opened issue keeps its Slack requester', async () => {
    let body: any;
    self();
    nock(API)
      .post('/repos/acme/support/issues', (b) => ((body = b), true))
      .reply(
        201,
        issue(50, {
          title: 'Printer jammed',
          body: 'Error E42\n\n<!-- threadwise:requester=U1 -->',
          user: { login: 'threadwise-bot' },
          labels: [{ name: 'priority: low' }],
        }),
      );
    const t = await gh().create(
      {
        project: 'SUPPORT',
        title: 'Printer jammed',
        description: 'Error E42',
        priority: 'low',
        requester: { slackId: 'U1', name: 'Ada' },
      },
      signal(),
    );
    expect(body).toMatchObject({ title: 'Printer jammed', labels: ['priority: low'] });
    expect(body.body).toContain('<!-- threadwise:requester=U1 -->');
    expect(t).toMatchObject({ id: 'SUPPORT-50', requesterSlackId: 'U1', priority: 'low' });
    expect(t.description).not.toContain('threadwise:requester');
  });

  it('reads the next link from a Link header', () => {
    expect(
      nextLink('<https://api.github.com/x?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last"'),
    ).toBe('https://api.github.com/x?page=3');
    expect(nextLink('<https://api.github.com/x?page=1>; rel="prev"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });
});
