import type { Logger } from 'pino';
import type { Translator } from '../../i18n/translators.js';
import { mrkdwn } from '../../platform/slack/mrkdwn.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { AdminAlert, AdminAlerts } from '../../turn/ports.js';
import type { AlertLedger } from './alert-ledger.js';

/** Admins hear about one problem at most once an hour (per workspace), however many questions fail meanwhile. */
const ALERT_WINDOW_SECONDS = 3_600;
/** Lifecycle alerts are told once: the ledger remembers them longer than any shutdown notice runs. */
const ONCE_SECONDS = 400 * 86_400;

/** The thresholds (days before a shutdown) at which admins are told. */
export const SHUTDOWN_THRESHOLDS = [60, 30, 7, 1] as const;

/** The later thresholds a reminder will still come at ("30, 7, and 1", "30、7、1"); `none` after the last one. */
function laterReminders(t: Translator, threshold: number): { later: string; last: number } {
  const later = SHUTDOWN_THRESHOLDS.filter((d) => d < threshold);
  if (!later.length) return { later: 'none', last: 0 };
  const list = new Intl.ListFormat(t.language, { type: 'conjunction' }).format(later.map(String));
  // `last` picks "day" or "days": singular only when the one reminder left is a day before.
  return { later: list, last: later.length > 1 ? later.length : later[0]! };
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

/** The alert in one admin's language; OpenAI's and the settings' words (model names, the request id) escaped. */
function alertText(t: Translator, alert: AdminAlert): string {
  if (alert.problem === 'model_fallback')
    return t.t('admin_alert.fallback', { model: mrkdwn`${alert.model}`, fallback: mrkdwn`${alert.fallback}` });
  if (alert.problem === 'model_shutdown')
    return t.t('admin_alert.shutdown', {
      model: mrkdwn`${alert.model}`,
      date: mrkdwn`${alert.shutdownDate}`,
      days: alert.days,
      ...laterReminders(t, alert.threshold),
    });
  // The request id comes from OpenAI's response: foreign text, escaped like any other.
  return t.t('admin_alert.quota', { reference: alert.requestId ? mrkdwn`${alert.requestId}` : 'none' });
}

/** Direct messages to the people in `limits.admins`, through the bot of the workspace where the problem showed. */
export class SlackAdminAlerts implements AdminAlerts {
  constructor(
    /** The admins of a workspace as they are now: `limits.admins` with user groups resolved. */
    private readonly adminsOf: (teamId: string) => Promise<readonly string[]>,
    private readonly workspaces: SlackWorkspaces,
    private readonly ledger: AlertLedger,
    /** Each admin reads the alert in their own Slack language. */
    private readonly languages: Pick<UserLanguages, 'of'>,
    private readonly log: Logger,
  ) {}

  async raise(alert: AdminAlert): Promise<boolean> {
    const { problem, ttl } = ledgerEntry(alert);
    try {
      if (!(await this.adminsOf(alert.teamId)).length) return false;
      const claim = await this.ledger.claim(alert.teamId, problem, ttl);
      // Another replica is sending right now and may yet fail: only a delivered alert may be claimed.
      if (claim !== 'claimed') return claim === 'sent';
      const delivered = await this.tell(alert.teamId, (t) => alertText(t, alert));
      if (delivered > 0) await this.ledger.sent(alert.teamId, problem, ttl);
      else await this.ledger.release(alert.teamId, problem);
      this.log.info({ problem: alert.problem, delivered }, 'admins alerted');
      return delivered > 0;
    } catch (err) {
      this.log.error({ problem: alert.problem, err: { message: (err as Error).message } }, 'could not alert admins');
      return false;
    }
  }

  /** A direct message to each admin of a workspace, written in their language; resolves with how many it reached. */
  async tell(teamId: string, text: (t: Translator) => string): Promise<number> {
    const admins = await this.adminsOf(teamId);
    if (!admins.length) return 0;
    const { client } = await this.workspaces.forTeam(teamId);
    const results = await Promise.allSettled(
      admins.map(async (user) => {
        const [opened, t] = await Promise.all([
          client.conversations.open({ users: user }),
          this.languages.of(teamId, user),
        ]);
        const channel = opened.channel?.id;
        if (!channel) throw new Error('conversations.open returned no channel');
        await client.chat.postMessage({ channel, text: text(t) });
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
