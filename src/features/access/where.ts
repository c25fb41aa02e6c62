import type { AccessConfig } from '../../config/tools-schema.js';
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

/** The short private note for someone who asked where the bot does not serve them. */
export function refusalNote(rule: string): string {
  if (rule === 'access.dms')
    return 'I don’t answer direct messages in this workspace. Please ask me in a channel I serve.';
  if (rule.endsWith('.users'))
    return 'I only answer certain people in this channel, and you’re not among them. Ask your Slack admin if you need access.';
  return 'I’m not set up to answer in this channel. Ask your Slack admin which channels I serve.';
}

/** What the bot tells the person who invited it into a channel it may not serve. */
export function invitedNote(rule: string): string {
  return rule === 'access.allowed_channels.shared'
    ? 'Thanks for the invite — but I don’t work in channels shared with other organisations, so I won’t answer here.'
    : 'Thanks for the invite — but I’m not set up to answer in this channel, so I’ll stay quiet here. Ask your Slack admin to add it to the channels I serve.';
}
