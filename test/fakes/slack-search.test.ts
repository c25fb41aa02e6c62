import { LogLevel, type WebAPIPlatformError, WebAPIRateLimitedError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES, FakeSlack } from './slack-api.js';
import { ACTION_TOKEN_TTL_MS } from './slack-search.js';

const fakes: FakeSlack[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(opts: { scopes?: string[]; now?: () => number } = {}) {
  const fake = new FakeSlack({
    users: {
      U1: { name: 'ada', real_name: 'Ada', display_name: 'Ada' },
      UGUEST: { name: 'gus', real_name: 'Gus', display_name: 'Gus', is_restricted: true },
    },
    channels: {
      CHELP: { name: 'help', members: ['U1'] },
      CGUEST: { name: 'guests', members: ['U1', 'UGUEST'] },
      GSECRET: { name: 'secret', is_private: true, members: ['U1'] },
    },
    ...opts,
  });
  fakes.push(fake);
  const url = await fake.start();
  const client = new WebClient(fake.botToken, {
    slackApiUrl: url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logLevel: LogLevel.ERROR,
  });
  /** A person's message as Slack delivers it: recorded, with the action token Slack adds. */
  const tokenFor = (user: string, channel = 'CHELP') => {
    const event = { type: 'message', user, channel, text: 'hello there', ts: `${1_800_000_000 + fakes.length}.000100` };
    fake.recordEvent(event);
    return (event as { action_token?: string }).action_token!;
  };
  const search = async (actionToken: string | undefined, extra: Record<string, unknown> = {}): Promise<unknown> =>
    client.apiCall('assistant.search.context', {
      query: 'How do I reset the VPN token?',
      ...(actionToken ? { action_token: actionToken } : {}),
      ...extra,
    });
  return { fake, client, tokenFor, search };
}

const errorOf = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as WebAPIPlatformError).data;

describe('fake Slack: Real-time Search (assistant.search.context)', () => {
  it('adds an action token to a person’s delivered message, and finds public messages with permalinks', async () => {
    const { fake, tokenFor, search } = await setup();
    const root = fake.addMessage('CHELP', { user: 'U1', text: 'VPN token reset: open the portal and click Reset' });
    fake.addMessage('CHELP', { user: 'U1', text: 'Lunch is at noon' });
    const reply = fake.addMessage('CHELP', { user: 'U1', text: 'the VPN reset worked', thread_ts: root });
    const res = await search(tokenFor('U1'));
    const messages = (res as { results: { messages: Array<Record<string, unknown>> } }).results.messages;
    expect(messages.map((m) => m.message_ts)).toEqual([root, reply]);
    expect(messages[0]).toEqual({
      author_user_id: 'U1',
      team_id: 'T0TEST',
      channel_id: 'CHELP',
      message_ts: root,
      content: 'VPN token reset: open the portal and click Reset',
      is_author_bot: false,
      permalink: `https://fake-team.slack.com/archives/CHELP/p${root.replace('.', '')}`,
    });
    expect(messages[1]!.permalink).toContain(`?thread_ts=${root}&cid=CHELP`);
  });

  it('refuses a bot token without an action token Slack issued, or with an expired one', async () => {
    let now = Date.now();
    const { tokenFor, search } = await setup({ now: () => now });
    expect(await errorOf(search(undefined))).toMatchObject({ error: 'invalid_action_token' });
    expect(await errorOf(search('12345.98765.abcd2358fdea'))).toMatchObject({ error: 'invalid_action_token' });
    const token = tokenFor('U1');
    now += ACTION_TOKEN_TTL_MS + 1;
    expect(await errorOf(search(token))).toMatchObject({ error: 'invalid_action_token' });
  });

  it('names the missing scope like every Slack method', async () => {
    const { tokenFor, search } = await setup({ scopes: DEFAULT_SCOPES.filter((s) => s !== 'search:read.public') });
    expect(await errorOf(search(tokenFor('U1')))).toMatchObject({
      error: 'missing_scope',
      needed: 'search:read.public',
    });
  });

  it('shows a guest only the channels they are in, and nobody private conversations through a bot token', async () => {
    const { fake, tokenFor, search } = await setup();
    fake.addMessage('CHELP', { user: 'U1', text: 'VPN reset in help' });
    fake.addMessage('CGUEST', { user: 'U1', text: 'VPN reset for guests' });
    fake.addMessage('GSECRET', { user: 'U1', text: 'VPN reset secret' });
    const channels = async (user: string) =>
      (
        (await search(tokenFor(user, 'CGUEST'))) as { results: { messages: Array<{ channel_id: string }> } }
      ).results.messages
        .map((m) => m.channel_id)
        .sort();
    expect(await channels('U1')).toEqual(['CGUEST', 'CHELP']);
    expect(await channels('UGUEST')).toEqual(['CGUEST']);
  });

  it('pages with next_cursor and refuses a cursor it did not issue', async () => {
    const { fake, tokenFor, search } = await setup();
    for (let i = 0; i < 5; i++) fake.addMessage('CHELP', { user: 'U1', text: `VPN reset note ${i}` });
    const token = tokenFor('U1');
    const first = (await search(token, { limit: 3 })) as {
      results: { messages: unknown[] };
      response_metadata?: { next_cursor?: string };
    };
    expect(first.results.messages).toHaveLength(3);
    const second = (await search(token, { limit: 3, cursor: first.response_metadata!.next_cursor })) as typeof first;
    expect(second.results.messages).toHaveLength(2);
    expect(second.response_metadata?.next_cursor).toBeUndefined();
    expect(await errorOf(search(token, { cursor: 'bm90LWEtY3Vyc29y' }))).toMatchObject({ error: 'invalid_cursor' });
  });

  it('allows about ten searches a minute per workspace, then answers 429 ratelimited with Retry-After', async () => {
    const now = Date.now();
    const { fake, tokenFor, search } = await setup({ now: () => now });
    const token = tokenFor('U1');
    for (let i = 0; i < 10; i++) await search(token);
    const err = await search(token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIRateLimitedError);
    expect((err as WebAPIRateLimitedError).retryAfter).toBeGreaterThan(0);
    expect(fake.rateLimitedCount('assistant.search.context')).toBe(1);
  });
});
