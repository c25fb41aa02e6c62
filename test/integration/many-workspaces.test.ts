import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../fakes/slack-api.js';
import { Harness, REDIS_URL } from './harness.js';
import { install } from './oauth-install.js';

// Two workspaces of the same app on one fake Slack: Acme (the fake's own) and Beta. Channel ids are global in Slack.
const ACME = { channel: 'C0ACME1' };
const BETA = { teamId: 'T0BETA', channel: 'C0BETA1', user: 'UB1' };
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function twoWorkspaces(): Promise<{
  h: Harness;
  acme: { teamId: string; botUserId: string };
  beta: { teamId: string; botUserId: string };
}> {
  const harness = await new Harness({ oauth: true }).start();
  harness.slack.addChannel(ACME.channel, { name: 'acme-support' });
  const beta = harness.slack.addWorkspace({
    teamId: BETA.teamId,
    teamName: 'Beta Corp',
    users: { [BETA.user]: { name: 'linus', real_name: 'Linus Pauling', display_name: 'Linus' } },
    channels: { [BETA.channel]: { name: 'beta-help' } },
  });
  // Each workspace's answer names what its own question asked about, so crossed wires would show.
  harness.openai.setDefault((req) =>
    JSON.stringify(req.body).includes('invoice')
      ? { kind: 'text', text: 'Acme: invoices are under Billing.' }
      : { kind: 'text', text: 'Beta: reset it under Settings.' },
  );
  for (const teamId of [harness.slack.teamId, BETA.teamId])
    expect((await install(harness, { teamId })).done.status).toBe(200);
  return { h: harness, acme: harness.slack.workspace(), beta };
}

/** Asks in a workspace and waits for the answer; returns the question's ts. */
async function ask(
  hh: Harness,
  where: { teamId: string; channel: string; user: string },
  text: string,
): Promise<string> {
  const sent = await hh.mention({ text, channel: where.channel, user: where.user }, { teamId: where.teamId });
  expect(sent.status).toBe(200);
  await hh.turnFinished(sent.eventId);
  return hh.slack.messages(where.channel).find((m) => m.text.endsWith(text))!.ts;
}

/** Bot tokens the workspace's install through OAuth produced (the fake's own workspace also has a static one). */
const installedTokens = (hh: Harness, teamId: string) =>
  hh.slack.tokensOf(teamId).filter((t) => hh.slack.oauth!.issuedTokens.has(t));

const writes = (calls: RecordedCall[], channel: string) =>
  calls.filter(
    (c) =>
      c.args.channel === channel && /^chat\.(postMessage|update|startStream|appendStream|stopStream)$/.test(c.method),
  );

describe('one deployment serving many workspaces', () => {
  it('answers two installed workspaces, each with its own bot token, in its own channel', async () => {
    h = (await twoWorkspaces()).h;
    const acmeToken = installedTokens(h, h.slack.teamId);
    const betaToken = installedTokens(h, BETA.teamId);
    expect(acmeToken).toHaveLength(1);
    expect(betaToken).toHaveLength(1);
    expect(betaToken[0]).toMatch(/^xoxb-T0BETA-/);

    const redis = new Redis(REDIS_URL);
    const stored = await Promise.all(
      [h.slack.teamId, BETA.teamId].map(async (t) =>
        JSON.parse((await redis.get(`${h!.prefix}install:team:${t}`)) ?? '{}'),
      ),
    );
    await redis.quit();
    expect(stored).toMatchObject([
      { team: { id: h.slack.teamId }, bot: { token: acmeToken[0], userId: h.slack.botUserId } },
      { team: { id: BETA.teamId }, bot: { token: betaToken[0], userId: h.slack.workspace(BETA.teamId).botUserId } },
    ]);

    const [acmeQ, betaQ] = await Promise.all([
      ask(h, { teamId: h.slack.teamId, channel: ACME.channel, user: 'U1' }, 'where are my invoices?'),
      ask(h, { teamId: BETA.teamId, channel: BETA.channel, user: BETA.user }, 'how do I reset my password?'),
    ]);
    expect(h.replies(ACME.channel, acmeQ).map((m) => m.text)).toEqual(['Acme: invoices are under Billing.']);
    expect(h.replies(BETA.channel, betaQ).map((m) => m.text)).toEqual(['Beta: reset it under Settings.']);
    // Beta's answer is written by Beta's bot user, not Acme's.
    expect(h.replies(BETA.channel, betaQ)[0]).toMatchObject({
      user: h.slack.workspace(BETA.teamId).botUserId,
      bot_id: h.slack.workspace(BETA.teamId).botId,
    });

    const acmeWrites = writes(h.slack.calls, ACME.channel);
    const betaWrites = writes(h.slack.calls, BETA.channel);
    expect(acmeWrites.length).toBeGreaterThan(0);
    expect(betaWrites.length).toBeGreaterThan(0);
    expect(acmeWrites.every((c) => c.ok && c.teamId === h!.slack.teamId && c.token === acmeToken[0])).toBe(true);
    expect(betaWrites.every((c) => c.ok && c.teamId === BETA.teamId && c.token === betaToken[0])).toBe(true);
    // No call anywhere tried a channel its token's workspace does not have.
    expect(h.slack.calls.filter((c) => c.error === 'channel_not_found')).toEqual([]);
  });

  it('stops answering a workspace that uninstalls the app while the other keeps being answered', async () => {
    const w = await twoWorkspaces();
    h = w.h;
    const acmeToken = installedTokens(h, h.slack.teamId)[0]!;
    const betaToken = installedTokens(h, BETA.teamId)[0]!;
    await ask(h, { teamId: h.slack.teamId, channel: ACME.channel, user: 'U1' }, 'where is the invoice list?');

    // Acme removes the app: Slack revokes its bot token, then sends tokens_revoked and app_uninstalled.
    expect(h.slack.uninstall(h.slack.teamId)).toContain(acmeToken);
    expect(
      (
        await h.send({
          type: 'tokens_revoked',
          tokens: { oauth: [], bot: [w.acme.botUserId] },
          event_ts: '1700000000.000100',
        })
      ).status,
    ).toBe(200);
    expect((await h.send({ type: 'app_uninstalled', event_ts: '1700000000.000200' })).status).toBe(200);
    const redis = new Redis(REDIS_URL);
    expect(
      await redis.exists(`${h.prefix}install:team:${h.slack.teamId}`, `${h.prefix}install:team:${BETA.teamId}`),
    ).toBe(1);
    await redis.quit();

    const callsBefore = h.slack.calls.length;
    const refused = await h.mention(
      { text: 'one more invoice question', channel: ACME.channel },
      { teamId: h.slack.teamId },
    );
    expect(refused.status).toBe(401);

    const betaQ = await ask(h, { teamId: BETA.teamId, channel: BETA.channel, user: BETA.user }, 'and my password?');
    expect(h.replies(BETA.channel, betaQ).map((m) => m.text)).toEqual(['Beta: reset it under Settings.']);
    const later = h.slack.calls.slice(callsBefore);
    // After the uninstall nothing was written to Acme, nor attempted with Acme's revoked token; Beta used its own.
    expect(writes(later, ACME.channel)).toEqual([]);
    expect(later.filter((c) => c.token === acmeToken)).toEqual([]);
    expect(writes(later, BETA.channel).length).toBeGreaterThan(0);
    expect(writes(later, BETA.channel).every((c) => c.ok && c.token === betaToken)).toBe(true);
    const root = h.slack.messages(ACME.channel).find((m) => m.text.endsWith('one more invoice question'))!;
    expect(h.replies(ACME.channel, root.ts)).toEqual([]);
  });

  it('stops answering a workspace whose bot token is revoked without an uninstall', async () => {
    const w = await twoWorkspaces();
    h = w.h;
    h.slack.uninstall(BETA.teamId);
    expect(
      (
        await h.send(
          { type: 'tokens_revoked', tokens: { oauth: [], bot: [w.beta.botUserId] }, event_ts: '1700000000.000300' },
          { teamId: BETA.teamId },
        )
      ).status,
    ).toBe(200);

    expect(
      (await h.mention({ text: 'hello?', channel: BETA.channel, user: BETA.user }, { teamId: BETA.teamId })).status,
    ).toBe(401);
    const acmeQ = await ask(h, { teamId: h.slack.teamId, channel: ACME.channel, user: 'U1' }, 'any invoice news?');
    expect(h.replies(ACME.channel, acmeQ).map((m) => m.text)).toEqual(['Acme: invoices are under Billing.']);
    expect(writes(h.slack.calls, BETA.channel)).toEqual([]);
  });
});
