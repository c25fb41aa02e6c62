import type { AccessConfig } from '../../config/tools-schema.js';
import type { Translator } from '../../i18n/translators.js';
import type { ChannelFacts } from '../../platform/slack/lookups.js';

/** Whether the bot may speak in a conversation, and when not, the rule that says so (for the log and the audit). */
export type Admission = { ok: true } | { ok: false; rule: string };

/** Whether the decision needs conversations.info: only for channels not listed by id, or when shared ones are out. */
export function needsFacts(access: AccessConfig, channel: string, isDm: boolean): boolean {
  const allowed = access.allowed_channels;
  if (isDm || !allowed) return false;
  return allowed.shared === false || (allowed.public && !allowed.ids.includes(channel));
}

/**
 * The `access.allowed_channels` / `access.dms` rule, pure. Slack Connect channels are out whenever
 * `shared: false`, even when listed; otherwise a channel is served when listed by id, or when it is public and
 * `public: true`. No `allowed_channels`: every channel the bot is in.
 */
export function channelAdmission(
  access: AccessConfig,
  channel: string,
  isDm: boolean,
  facts: ChannelFacts | undefined,
): Admission {
  if (isDm) return access.dms ? { ok: true } : { ok: false, rule: 'access.dms' };
  const allowed = access.allowed_channels;
  if (!allowed) return { ok: true };
  if (allowed.shared === false && facts?.isExternal) return { ok: false, rule: 'access.allowed_channels.shared' };
  if (allowed.ids.includes(channel)) return { ok: true };
  if (allowed.public && facts && !facts.isPrivate) return { ok: true };
  return { ok: false, rule: 'access.allowed_channels' };
}

/** The short private note, in the asker's language, for someone who asked where the bot does not serve them. */
export function refusalNote(t: Translator, rule: string): string {
  if (rule === 'access.dms') return t.t('access.refused.dms');
  if (rule.endsWith('.users')) return t.t('access.refused.users');
  return t.t('access.refused.channel');
}

/** What the bot tells the person who invited it into a channel it may not serve, in their language. */
export function invitedNote(t: Translator, rule: string): string {
  return rule === 'access.allowed_channels.shared' ? t.t('access.invited.shared') : t.t('access.invited.channel');
}
