import { LogLevel, type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/observability/logger.js';
import { PeopleDirectory } from '../../src/platform/slack/people.js';
import { SlackRateGates } from '../../src/platform/slack/rate-gate.js';
import { SingleWorkspace } from '../../src/platform/slack/workspaces.js';
import { FakeSlack } from './slack-api.js';

const fakes: FakeSlack[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function setup(scopes?: string[]) {
  const fake = new FakeSlack({
    users: {
      U1: { name: 'ada', real_name: 'Ada', display_name: 'Ada' },
      U2: { name: 'grace', real_name: 'Grace', display_name: 'Grace' },
      U3: { name: 'alan', real_name: 'Alan', display_name: 'Alan' },
    },
    ...(scopes ? { scopes } : {}),
  });
  fakes.push(fake);
  const url = await fake.start();
  const client = new WebClient(fake.botToken, {
    slackApiUrl: url,
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
  return { fake, client, url };
}

describe('fake Slack: user groups and users.list', () => {
  it('lists enabled groups, with members only when asked, as usergroups.list does', async () => {
    const { fake, client } = await setup();
    fake.setUserGroup('S0A', { handle: 'support', name: 'Support', users: ['U1', 'U2'] });
    fake.setUserGroup('S0OLD', { handle: 'old', users: ['U3'], disabled: true });
    const plain = await client.usergroups.list({});
    expect(plain.usergroups).toEqual([
      expect.objectContaining({ id: 'S0A', handle: 'support', user_count: 2, date_delete: 0 }),
    ]);
    expect(plain.usergroups![0]).not.toHaveProperty('users');
    const full = await client.usergroups.list({ include_users: true, include_disabled: true });
    expect(full.usergroups!.map((g) => [g.id, g.users, Boolean(g.date_delete)])).toEqual([
      ['S0A', ['U1', 'U2'], false],
      ['S0OLD', ['U3'], true],
    ]);
    expect((await client.usergroups.users.list({ usergroup: 'S0A' })).users).toEqual(['U1', 'U2']);
    await expect(client.usergroups.users.list({ usergroup: 'S0OLD' })).rejects.toMatchObject({
      data: { error: 'no_such_subteam' },
    });
  });

  it('refuses without usergroups:read, naming the scope as Slack does', async () => {
    const { client } = await setup(['users:read', 'chat:write']);
    const err = (await client.usergroups.list({}).catch((e: unknown) => e)) as WebAPIPlatformError;
    expect(err.data).toMatchObject({ ok: false, error: 'missing_scope', needed: 'usergroups:read' });
  });

  it('pages users.list with a cursor', async () => {
    const { client } = await setup();
    const first = await client.users.list({ limit: 2 });
    expect(first.members!.map((m) => m.id)).toEqual(['U1', 'U2']);
    const cursor = first.response_metadata!.next_cursor!;
    expect(cursor).not.toBe('');
    const second = await client.users.list({ limit: 2, cursor });
    expect(second.members!.map((m) => m.id)).toEqual(['U3', 'UBOT']);
    expect(second.response_metadata!.next_cursor).toBe('');
  });

  it('describes a membership change as the subteam_members_changed event', async () => {
    const { fake } = await setup();
    fake.setUserGroup('S0A', { handle: 'support', users: ['U1', 'U2'] });
    expect(fake.setUserGroup('S0A', { handle: 'support', users: ['U2', 'U3'] })).toMatchObject({
      type: 'subteam_members_changed',
      subteam_id: 'S0A',
      added_users: ['U3'],
      added_users_count: '1',
      removed_users: ['U1'],
      removed_users_count: '1',
    });
  });
});

describe('PeopleDirectory against the fake', () => {
  it('resolves group ids, group handles and usernames, caches them, and follows a group change', async () => {
    const { fake, client } = await setup();
    fake.setUserGroup('S0A', { handle: 'support', users: ['U1'] });
    const log = createLogger({ level: 'silent', secrets: [] });
    const workspaces = new SingleWorkspace(
      fake.botToken,
      'UBOT',
      () => ({ client, readFiles: async () => ({}) as never }),
      new SlackRateGates(),
      log,
    );
    const people = new PeopleDirectory(workspaces, log);
    expect([...(await people.members('T0TEST', ['S0A', '@grace', 'U9']))].sort()).toEqual(['U1', 'U2', 'U9']);
    expect(await people.includes('T0TEST', ['@support'], 'U1')).toBe(true);
    expect(await people.includes('T0TEST', ['@support'], 'U3')).toBe(false);
    expect(await people.includes('T0TEST', ['@nobody'], 'U3')).toBe(false);
    expect(fake.callsTo('usergroups.list')).toHaveLength(1);
    expect(fake.callsTo('users.list')).toHaveLength(1);
    fake.setUserGroup('S0A', { handle: 'support', users: ['U1', 'U3'] });
    await people.groupChanged('T0TEST', 'S0A');
    expect(await people.includes('T0TEST', ['@support'], 'U3')).toBe(true);
    expect(fake.callsTo('usergroups.list')).toHaveLength(1);
  });
});
