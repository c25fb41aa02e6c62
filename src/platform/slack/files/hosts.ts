/** Slack's own domains (GovSlack included); file downloads may redirect between their hosts. */
const SLACK_DOMAINS = ['slack.com', 'slack-edge.com', 'slack-gov.com'];

/**
 * Whether a download URL may receive the bot token: HTTPS on a Slack domain, or the exact origin of
 * SLACK_API_URL (a proxy or test server). Anything else gets no token, wherever a redirect points.
 */
export function mayReceiveToken(url: URL, slackApiUrl?: string): boolean {
  if (slackApiUrl && url.origin === new URL(slackApiUrl).origin) return true;
  if (url.protocol !== 'https:') return false;
  const host = url.hostname.toLowerCase();
  return SLACK_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`));
}
