import { LogLevel, WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from './slack-api.js';

const OAUTH = {
  clientId: '111.222',
  clientSecret: 'shh-secret',
  redirectUri: 'https://bot.example.com/slack/oauth_redirect',
};
const fakes: FakeSlack[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(): Promise<{ fake: FakeSlack; client: (token?: string) => WebClient }> {
  const fake = new FakeSlack({
    oauth: OAUTH,
    channels: { C0A1: { name: 'alpha' } },
    users: { U1: { name: 'ada', real_name: 'Ada', display_name: 'Ada' } },
  });
  fakes.push(fake);
  const url = await fake.start();
  fake.addWorkspace({
    teamId: 'T0B',
    teamName: 'Beta',
    channels: { C0B1: { name: 'beta' } },
    users: { UB1: { name: 'bo', real_name: 'Bo', display_name: 'Bo' } },
  });
  return {
    fake,
    client: (token) =>
      new WebClient(token, { slackApiUrl: url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR }),
  };
}

/** Plays an install of the app into `teamId` and exchanges the code like the app's redirect handler would. */
async function installInto(fake: FakeSlack, client: WebClient, teamId: string) {
  const authorize = `https://slack.com/oauth/v2/authorize?client_id=${OAUTH.clientId}&scope=chat:write,users:read&state=s1`;
  const back = new URL(fake.oauth!.approve(authorize, { teamId }));
  return client.oauth.v2.access({
    client_id: OAUTH.clientId,
    client_secret: OAUTH.clientSecret,
    code: back.searchParams.get('code')!,
  });
}

async function slackError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(WebAPIPlatformError);
  return (e as WebAPIPlatformError).data.error;
}

describe('one fake Slack hosting several workspaces of the app', () => {
  it('installs into the workspace whose member approves, with that workspace bot and a token bound to it', async () => {
    const { fake, client } = await setup();
    const beta = fake.workspace('T0B');
    const access = await installInto(fake, client(), 'T0B');
    expect(access).toMatchObject({
      ok: true,
      token_type: 'bot',
      bot_user_id: beta.botUserId,
      app_id: 'A0TEST',
      team: { id: 'T0B', name: 'Beta' },
      scope: 'chat:write,users:read',
    });
    expect(access.access_token).toMatch(/^xoxb-T0B-/);
    expect(fake.tokensOf('T0B')).toEqual([access.access_token]);

    const betaBot = client(access.access_token);
    await expect(betaBot.auth.test()).resolves.toMatchObject({
      team_id: 'T0B',
      team: 'Beta',
      user_id: beta.botUserId,
      bot_id: beta.botId,
    });
    await expect(client(fake.botToken).auth.test()).resolves.toMatchObject({ team_id: 'T0TEST', user_id: 'UBOT' });
    expect(fake.callsTo('auth.test').map((c) => [c.teamId, c.token])).toEqual([
      ['T0B', access.access_token],
      ['T0TEST', fake.botToken],
    ]);
    // The workspace's bot has the scopes granted on install, and Slack says so on every answer.
    const res = await betaBot.users.info({ user: 'UB1' });
    expect(res.response_metadata?.scopes).toEqual(['chat:write', 'users:read']);
    expect(() =>
      fake.oauth!.approve('https://slack.com/oauth/v2/authorize?client_id=111.222&scope=chat:write', {
        teamId: 'T0NOPE',
      }),
    ).toThrow(/no workspace T0NOPE/);
  });

  it('lets a token act only in its own workspace: other workspaces’ channels and users do not exist for it', async () => {
    const { fake, client } = await setup();
    const { access_token: betaToken } = await installInto(fake, client(), 'T0B');
    const alpha = client(fake.botToken);
    const beta = client(betaToken);

    const posted = await beta.chat.postMessage({ channel: 'C0B1', text: 'hi from beta' });
    expect(fake.messages('C0B1')).toMatchObject([
      {
        ts: posted.ts,
        user: fake.workspace('T0B').botUserId,
        bot_id: fake.workspace('T0B').botId,
        text: 'hi from beta',
      },
    ]);
    expect(await slackError(beta.chat.postMessage({ channel: 'C0A1', text: 'crossing over' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(alpha.chat.postMessage({ channel: 'C0B1', text: 'crossing over' }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(alpha.conversations.replies({ channel: 'C0B1', ts: posted.ts! }))).toBe(
      'channel_not_found',
    );
    expect(await slackError(beta.users.info({ user: 'U1' }))).toBe('user_not_found');
    // A channel first seen through one workspace belongs to it from then on.
    await beta.chat.postMessage({ channel: 'C0B2', text: 'new channel' });
    expect(await slackError(alpha.chat.postMessage({ channel: 'C0B2', text: 'x' }))).toBe('channel_not_found');
    expect(fake.messages('C0A1')).toEqual([]);
    expect(fake.callsTo('chat.postMessage').map((c) => [c.teamId, c.args.channel, c.ok])).toEqual([
      ['T0B', 'C0B1', true],
      ['T0B', 'C0A1', false],
      ['T0TEST', 'C0B1', false],
      ['T0B', 'C0B2', true],
      ['T0TEST', 'C0B2', false],
    ]);
  });

  it('serves a workspace’s private files only to that workspace’s token', async () => {
    const { fake, client } = await setup();
    const { access_token: betaToken } = await installInto(fake, client(), 'T0B');
    const file = fake.addFile({ id: 'F0B', name: 'notes.txt', mimetype: 'text/plain', bytes: 'beta notes' }, 'T0B');
    const get = (token: string) =>
      fetch(file.url_private_download, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.text());
    expect(await get(betaToken!)).toBe('beta notes');
    expect(await get(fake.botToken)).toContain('Sign in to your workspace');
  });

  it('refuses a workspace’s tokens once it uninstalls the app, while the others keep working', async () => {
    const { fake, client } = await setup();
    const { access_token: betaToken } = await installInto(fake, client(), 'T0B');
    expect(fake.uninstall('T0B')).toEqual([betaToken]);
    expect(await slackError(client(betaToken).auth.test())).toBe('account_inactive');
    expect(await slackError(client(betaToken).chat.postMessage({ channel: 'C0B1', text: 'x' }))).toBe(
      'account_inactive',
    );
    await expect(
      client(fake.botToken).chat.postMessage({ channel: 'C0A1', text: 'still here' }),
    ).resolves.toMatchObject({ ok: true });
    expect(fake.tokensOf('T0B')).toEqual([]);
  });
});
