import { expect } from 'vitest';
import type { Harness } from './harness.js';

/**
 * Runs the browser side of an install: /slack/install → Slack's consent screen, where a member of `teamId`
 * (default the fake's own workspace) clicks Allow → /slack/oauth_redirect.
 */
export async function install(
  h: Harness,
  installer: { teamId?: string; userId?: string } = {},
): Promise<{ done: Response; authorize: URL }> {
  const base = `http://127.0.0.1:${h.port}`;
  const start = await fetch(`${base}/slack/install`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0]!;
  const authorize = new URL(start.headers.get('location')!);
  const slackRedirect = new URL(h.slack.oauth!.approve(authorize.toString(), installer));
  const done = await fetch(`${base}/slack/oauth_redirect${slackRedirect.search}`, {
    headers: { cookie },
    redirect: 'manual',
  });
  return { done, authorize };
}
