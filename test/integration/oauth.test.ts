import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness, OAUTH, REDIS_URL } from './harness.js';
import { install } from './oauth-install.js';

const CH = 'C0SUP1';
let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe('many workspaces through OAuth', () => {
  it('installs a workspace through /slack/install, stores it in Redis and answers there with its own token', async () => {
    h = await new Harness({ oauth: true }).start();
    h.openai.setDefault(() => ({ kind: 'text', text: 'Hello, newly installed workspace.' }));

    // Not installed yet: the event is refused and nothing is posted.
    const early = await h.mention({ text: 'anyone here?' });
    expect(early.status).toBe(401);
    expect(h.slack.callsTo('chat.startStream')).toHaveLength(0);

    const { done, authorize } = await install(h);
    expect(done.status).toBe(200);
    expect(authorize.searchParams.get('scope')?.split(',')).toEqual(
      expect.arrayContaining(['app_mentions:read', 'chat:write', 'im:history']),
    );
    expect(h.slack.callsTo('oauth.v2.access')).toMatchObject([{ ok: true }]);
    const redis = new Redis(REDIS_URL);
    const stored = JSON.parse((await redis.get(`${h.prefix}install:team:${h.slack.teamId}`)) ?? '{}');
    await redis.quit();
    const issued = [...h.slack.oauth!.issuedTokens];
    expect(issued).toHaveLength(1);
    expect(stored).toMatchObject({
      team: { id: h.slack.teamId },
      bot: { token: issued[0], userId: h.slack.botUserId },
    });

    const sent = await h.mention({ text: 'now?' });
    expect(sent.status).toBe(200);
    await h.turnFinished(sent.eventId);
    const root = h.slack.messages(CH).find((m) => m.text.endsWith('now?'))!;
    expect(h.replies(CH, root.ts).map((m) => m.text)).toEqual(['Hello, newly installed workspace.']);
    // The single bot token was never configured, so every Slack call used the installation's token.
    const all = h.logs.join('\n');
    for (const secret of [issued[0]!, OAUTH.clientSecret, OAUTH.stateSecret]) expect(all).not.toContain(secret);

    // Uninstalling removes the stored token; the workspace's events are refused again.
    expect((await h.send({ type: 'app_uninstalled', event_ts: '1700000000.000100' })).status).toBe(200);
    const after = new Redis(REDIS_URL);
    expect(await after.exists(`${h.prefix}install:team:${h.slack.teamId}`)).toBe(0);
    await after.quit();
    expect((await h.mention({ text: 'still there?' })).status).toBe(401);
  });

  it('refuses an OAuth redirect whose state was not issued by this app', async () => {
    h = await new Harness({ oauth: true }).start();
    const base = `http://127.0.0.1:${h.port}`;
    const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
    const authorize = new URL(start.headers.get('location')!);
    authorize.searchParams.set('state', 'forged-state');
    const back = new URL(h.slack.oauth!.approve(authorize.toString()));
    const res = await fetch(`${base}/slack/oauth_redirect${back.search}`, { redirect: 'manual' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(h.slack.callsTo('oauth.v2.access')).toHaveLength(0);
  });
});
