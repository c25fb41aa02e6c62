import type { Logger } from 'pino';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { AdminAlert, AdminAlerts } from '../../turn/ports.js';
import type { AlertLedger } from './alert-ledger.js';

/** Admins hear about one problem at most once an hour (per workspace), however many questions fail meanwhile. */
const ALERT_WINDOW_SECONDS = 3_600;
/** Lifecycle alerts are told once: the ledger remembers them longer than any shutdown notice runs. */
const ONCE_SECONDS = 400 * 86_400;

/** The thresholds (days before a shutdown) at which admins are told. */
export const SHUTDOWN_THRESHOLDS = [60, 30, 7, 1] as const;

function laterReminders(threshold: number): string {
  const later = SHUTDOWN_THRESHOLDS.filter((t) => t < threshold);
  if (!later.length) return '';
  const days = later.map(String);
  const list = days.length > 1 ? `${days.slice(0, -1).join(', ')} and ${days.at(-1)}` : days[0];
  return `; you hear about it again ${list} day${list === '1' ? '' : 's'} before`;
}

/** The ledger entry of one alert, and how long it keeps others from repeating it. */
function ledgerEntry(alert: AdminAlert): { problem: string; ttl: number } {
  switch (alert.problem) {
    case 'openai_insufficient_quota':
      return { problem: alert.problem, ttl: ALERT_WINDOW_SECONDS };
    case 'model_fallback':
      return { problem: `${alert.problem}:${alert.model}`, ttl: ONCE_SECONDS };
    case 'model_shutdown':
      return { problem: `${alert.problem}:${alert.model}:${alert.shutdownDate}:${alert.threshold}`, ttl: ONCE_SECONDS };
  }
}

function alertText(alert: AdminAlert): string {
  if (alert.problem === 'model_fallback')
    return [
      mrkdwn`⚠️ *OpenAI no longer serves \`${alert.model}\`* (\`model_not_found\`): Threadwise answers with the fallback model \`${alert.fallback}\` (\`openai.fallback_model\`) until the settings name another model.`,
      'Answers may read differently; see docs/model-review.md for switching models on purpose. You hear about this once per model.',
    ].join('\n');
  if (alert.problem === 'model_shutdown')
    return [
      mrkdwn`⏳ *\`${alert.model}\` shuts down on ${alert.shutdownDate}* — ${String(alert.days)} day${alert.days === 1 ? '' : 's'} from now, says OpenAI's Models API.`,
      'After that date every answer that uses it fails unless `openai.fallback_model` is set. Compare a candidate with `threadwise eval --compare` and switch (docs/model-review.md).',
      `You're getting this because you are listed in \`limits.admins\`${laterReminders(alert.threshold)}.`,
    ].join('\n');
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
    /** The admins of a workspace as they are now: `limits.admins` with user groups resolved. */
    private readonly adminsOf: (teamId: string) => Promise<readonly string[]>,
    private readonly workspaces: SlackWorkspaces,
    private readonly ledger: AlertLedger,
    private readonly log: Logger,
  ) {}

  async raise(alert: AdminAlert): Promise<boolean> {
    const { problem, ttl } = ledgerEntry(alert);
    try {
      if (!(await this.adminsOf(alert.teamId)).length) return false;
      const claim = await this.ledger.claim(alert.teamId, problem, ttl);
      // Another replica is sending right now and may yet fail: only a delivered alert may be claimed.
      if (claim !== 'claimed') return claim === 'sent';
      const delivered = await this.tell(alert.teamId, alertText(alert));
      if (delivered > 0) await this.ledger.sent(alert.teamId, problem, ttl);
      else await this.ledger.release(alert.teamId, problem);
      this.log.info({ problem: alert.problem, delivered }, 'admins alerted');
      return delivered > 0;
    } catch (err) {
      this.log.error({ problem: alert.problem, err: { message: (err as Error).message } }, 'could not alert admins');
      return false;
    }
  }

  /** A direct message to each admin of a workspace; resolves with how many it reached. */
  async tell(teamId: string, text: string): Promise<number> {
    const admins = await this.adminsOf(teamId);
    if (!admins.length) return 0;
    const { client } = await this.workspaces.forTeam(teamId);
    const results = await Promise.allSettled(
      admins.map(async (user) => {
        const opened = await client.conversations.open({ users: user });
        const channel = opened.channel?.id;
        if (!channel) throw new Error('conversations.open returned no channel');
        await client.chat.postMessage({ channel, text });
      }),
    );
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected')
        this.log.warn(
          { admin: admins[i], err: { message: (r.reason as Error).message } },
          'could not send an alert to an admin',
        );
    }
    return results.filter((r) => r.status === 'fulfilled').length;
  }
}
