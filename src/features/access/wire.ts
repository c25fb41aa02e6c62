import type { App } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SettingsSource } from '../../config/live-settings.js';
import { issuesOf } from '../../platform/slack/payloads.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { DedupeStore } from '../../platform/store/types.js';
import { ChannelGate } from './gate.js';
import { invitedNote } from './where.js';

export interface AccessFeatureDeps {
  settings: SettingsSource;
  workspaces: SlackWorkspaces;
  people: PeopleDirectory;
  languages: UserLanguages;
  dedupe: DedupeStore;
  dedupeTtlSeconds: number;
  /** Single-token mode: the one bot's user id (OAuth: from each event's context). */
  botUserId?: string;
  log: Logger;
}

// https://docs.slack.dev/reference/events/member_joined_channel: `inviter` is absent when someone joined alone.
const memberJoinedSchema = z.looseObject({
  type: z.literal('member_joined_channel'),
  user: z.string().min(1),
  channel: z.string().min(1),
  inviter: z.string().optional(),
  event_ts: z.string().optional(),
});

// https://docs.slack.dev/reference/events/subteam_members_changed and subteam_updated.
const subteamMembersSchema = z.looseObject({ subteam_id: z.string().min(1) });
const subteamUpdatedSchema = z.looseObject({ subteam: z.looseObject({ id: z.string().min(1) }) });

/**
 * Where the bot may speak and who may ask: the gate the answering feature asks before queueing a question, the
 * note to whoever invites the bot into a channel it may not serve, and user groups kept current from Slack's events.
 */
export function wire(app: App, deps: AccessFeatureDeps): ChannelGate {
  const gate = new ChannelGate(deps);
  const teamOf = (body: unknown) => (body as { team_id?: string }).team_id ?? '';

  app.event('member_joined_channel', async ({ event, body, context }) => {
    const parsed = memberJoinedSchema.safeParse(event);
    if (!parsed.success)
      return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed member_joined_channel');
    const e = parsed.data;
    const botUserId = context.botUserId ?? deps.botUserId;
    if (e.user !== botUserId || !e.inviter) return;
    const teamId = teamOf(body);
    const workspace = await deps.workspaces.forTeam(teamId);
    // Fresh facts: the channel may have been shared or made private since they were cached.
    workspace.lookups.forgetChannel(e.channel);
    const admission = await gate.admission({ teamId, channel: e.channel, isDm: false });
    if (admission.ok) return;
    // Once per invitation, across Slack's retries and replicas.
    if (!(await deps.dedupe.claim(`invited:${teamId}:${e.channel}:${e.event_ts ?? ''}`, deps.dedupeTtlSeconds))) return;
    deps.log.info(
      { channel: e.channel, inviter: e.inviter, rule: admission.rule },
      'invited where the bot may not serve',
    );
    await workspace.client.chat.postEphemeral({
      channel: e.channel,
      user: e.inviter,
      text: invitedNote(await deps.languages.of(teamId, e.inviter), admission.rule),
    });
  });

  app.event('subteam_members_changed', async ({ event, body }) => {
    const parsed = subteamMembersSchema.safeParse(event);
    if (!parsed.success) return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed subteam event');
    await deps.people.groupChanged(teamOf(body), parsed.data.subteam_id);
  });
  app.event('subteam_updated', async ({ event, body }) => {
    const parsed = subteamUpdatedSchema.safeParse(event);
    if (!parsed.success) return deps.log.warn({ issues: issuesOf(parsed.error) }, 'ignoring malformed subteam event');
    deps.people.forget(teamOf(body));
  });
  return gate;
}
