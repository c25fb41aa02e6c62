import type { Logger } from 'pino';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { AdminAlert, AdminAlerts } from '../../turn/ports.js';
import type { AlertLedger } from './alert-ledger.js';

/** Admins hear about one problem at most once an hour (per workspace), however many questions fail meanwhile. */
const ALERT_WINDOW_SECONDS = 3_600;

function alertText(alert: AdminAlert): string {
  // The request id comes from OpenAI's response: foreign text, escaped like any other.
  const ref = alert.requestId ? mrkdwn` (reference \`${alert.requestId}\`)` : '';
  return [
    `⚠️ *Threadwise can't answer anyone: the OpenAI account is out of quota* (\`insufficient_quota\`${ref}).`,
    'Every question fails until someone adds credit or raises the usage limit in the OpenAI dashboard (Settings → Billing, Limits).',
    "You're getting this because you are listed in `limits.admins`. If it is still failing in an hour, I'll tell you again.",
  ].join('\n');
}

/** Direct messages to the people in `limits.admins`, through the bot of the workspace where the problem showed. */
export class SlackAdminAlerts implements AdminAlerts {
  constructor(
    private readonly admins: readonly string[],
    private readonly workspaces: SlackWorkspaces,
    private readonly ledger: AlertLedger,
    private readonly log: Logger,
  ) {}

  async raise(alert: AdminAlert): Promise<boolean> {
    if (!this.admins.length) return false;
    try {
      const claim = await this.ledger.claim(alert.teamId, alert.problem, ALERT_WINDOW_SECONDS);
      // Another replica is sending right now and may yet fail: only a delivered alert may be claimed.
      if (claim !== 'claimed') return claim === 'sent';
      const delivered = await this.send(alert);
      if (delivered > 0) await this.ledger.sent(alert.teamId, alert.problem, ALERT_WINDOW_SECONDS);
      else await this.ledger.release(alert.teamId, alert.problem);
      this.log.info({ problem: alert.problem, admins: this.admins.length, delivered }, 'admins alerted');
      return delivered > 0;
    } catch (err) {
      this.log.error({ problem: alert.problem, err: { message: (err as Error).message } }, 'could not alert admins');
      return false;
    }
  }

  /** How many admins the message reached. */
  private async send(alert: AdminAlert): Promise<number> {
    const { client } = await this.workspaces.forTeam(alert.teamId);
    const text = alertText(alert);
    const results = await Promise.allSettled(
      this.admins.map(async (user) => {
        const opened = await client.conversations.open({ users: user });
        const channel = opened.channel?.id;
        if (!channel) throw new Error('conversations.open returned no channel');
        await client.chat.postMessage({ channel, text });
      }),
    );
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected')
        this.log.warn(
          { admin: this.admins[i], err: { message: (r.reason as Error).message } },
          'could not send an alert to an admin',
        );
    }
    return results.filter((r) => r.status === 'fulfilled').length;
  }
}
