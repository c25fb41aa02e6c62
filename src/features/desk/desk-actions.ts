import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SettingsSource } from '../../config/live-settings.js';
import type { Subcommand } from '../../platform/slack/command-router.js';
import { mention, mrkdwn } from '../../platform/slack/mrkdwn.js';
import {
  type ButtonClick,
  buttonClickSchema,
  channelOf,
  refuseUnusable,
  teamOf,
  UNUSABLE_NOTE,
} from '../../platform/slack/payloads.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { ThreadKey } from '../../turn/thread.js';
import type { Admins } from '../access/admins.js';
import { HUMAN_ACTION, SOLVED_ACTION } from './desk-blocks.js';
import type { Desk } from './desk-flow.js';
import { deskOf } from './desk-flow.js';
import type { DeskStatsStore } from './desk-stats.js';
import type { DeskState, DeskStore } from './desk-store.js';
import { lastDays, statsLines } from './stats.js';

export interface DeskActionDeps {
  settings: SettingsSource;
  desk: Desk;
  store: DeskStore;
  stats: DeskStatsStore;
  workspaces: SlackWorkspaces;
  /** `limits.admins`, user groups resolved. */
  admins: Admins;
  log: Logger;
  now?: () => number;
}

const STATE_NOTE: Record<DeskState, string> = {
  open: 'This question is still open.',
  answered: 'I answered this one.',
  waiting_for_human: 'This thread is already waiting for a person.',
  with_human: 'A person already has this thread.',
  resolved: 'This thread is already resolved.',
};

function handoffNote(outcome: Awaited<ReturnType<Desk['handoff']>>): string | undefined {
  if (outcome === 'handed_off') return undefined;
  if (outcome === 'not_desk') return 'This thread is not a help-desk question, so there is no one on call to bring in.';
  return STATE_NOTE[outcome];
}

/** "Solved it" and "I need a human" under desk answers; the clicker is told privately when nothing changes. */
export function registerDeskActions(app: App, deps: DeskActionDeps): void {
  const where = (click: ButtonClick) => {
    const channel = channelOf(click);
    const messageTs = click.container?.message_ts ?? click.message?.ts;
    const threadTs = click.container?.thread_ts ?? click.message?.thread_ts ?? messageTs;
    return channel && threadTs ? { teamId: teamOf(click), channel, threadTs } : undefined;
  };
  const tell = (client: WebClient, key: { channel: string; threadTs: string }, user: string, text: string) =>
    client.chat
      .postEphemeral({ channel: key.channel, user, thread_ts: key.threadTs, text })
      .catch((err: Error) => deps.log.debug({ err: { message: err.message } }, 'could not tell the clicker'));

  /** Both buttons: a click Slack sent without its thread is refused plainly, like any unusable payload. */
  const onClick = (actionId: string, act: (key: ThreadKey, user: string, client: WebClient) => Promise<void>) =>
    app.action({ type: 'block_actions', action_id: actionId }, async ({ ack, body, client, respond }) => {
      await ack();
      const click = buttonClickSchema.safeParse(body);
      if (!click.success) return refuseUnusable('desk click', click.error, respond, deps.log);
      const key = where(click.data);
      if (!key)
        return void (await respond?.({ response_type: 'ephemeral', replace_original: false, text: UNUSABLE_NOTE }));
      await act(key, click.data.user.id, client);
    });

  onClick(SOLVED_ACTION, async (key, user, client) => {
    const outcome = await deps.desk.resolve(key, user);
    const thread = await deps.store.get(key);
    const text =
      outcome === 'resolved'
        ? 'Marked as solved. Thanks for letting me know!'
        : outcome === 'not_asker' && thread
          ? mrkdwn`Only ${mention(thread.asker)}, who asked, can mark this solved.`
          : outcome === 'already'
            ? 'This thread is already resolved.'
            : 'This thread is not a help-desk question.';
    await tell(client, key, user, text);
  });

  onClick(HUMAN_ACTION, async (key, user, client) => {
    const note = handoffNote(await deps.desk.handoff(key, user));
    if (note) await tell(client, key, user, note);
  });
}

/** `/threadwise handoff`: Slack sends commands without their thread, so it acts on the caller's latest desk question here. */
export function handoffSubcommand(deps: DeskActionDeps): Subcommand {
  return {
    name: 'handoff',
    description: (t) => t.t('subcommand.handoff'),
    async run({ teamId, userId, channelId }) {
      if (!deskOf(deps.settings.current(), channelId))
        return 'This channel has no help desk, so there is no one on call to bring in.';
      const threadTs = await deps.store.latest(teamId, channelId, userId);
      if (!threadTs) return 'You have no help-desk question in this channel that I know of.';
      const outcome = await deps.desk.handoff({ teamId, channel: channelId, threadTs }, userId);
      return handoffNote(outcome) ?? 'Done: I asked the on-call people to take your latest question here.';
    },
  };
}

/** `<#C…|name>` (escaped by Slack), a bare id, or `#name` as typed. */
const CHANNEL_ARG = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$|^([CG][A-Z0-9]+)$|^#([a-z0-9._-]+)$/;

/** `/threadwise stats [7d|30d] [#channel]`: the desk's counts for the lead (the admins, when any are set). */
export function statsSubcommand(deps: DeskActionDeps): Subcommand {
  const deskChannels = () =>
    Object.keys(deps.settings.current().channels).filter((c) => deskOf(deps.settings.current(), c));
  return {
    name: 'stats',
    usage: 'stats [7d|30d] [#channel]',
    description: (t) => t.t('subcommand.stats'),
    async run({ teamId, userId, args }) {
      const admins = await deps.admins.of(teamId);
      if (admins.length && !(await deps.admins.includes(teamId, userId)))
        return 'Only the admins in `limits.admins` can see the help-desk stats.';
      let days = 7;
      let channels = deskChannels();
      for (const arg of args) {
        const period = /^(7|30)d$/.exec(arg);
        if (period) {
          days = Number(period[1]);
          continue;
        }
        const m = CHANNEL_ARG.exec(arg);
        if (!m) return mrkdwn`I don't understand \`${arg}\`. Usage: \`/threadwise stats [7d|30d] [#channel]\``;
        const byId = m[1] ?? m[2];
        const found = byId ? channels.filter((c) => c === byId) : await byName(deps, teamId, deskChannels(), m[3]!);
        if (!found.length) return mrkdwn`${arg} is not a help-desk channel.`;
        channels = found;
      }
      if (!channels.length) return 'No channel has a help desk (`channels.<id>.desk` in the settings).';
      const period = await deps.stats.read(teamId, channels, lastDays(deps.now?.() ?? Date.now(), days));
      const scope = channels.length === 1 ? `<#${channels[0]}>` : `${channels.length} help-desk channels`;
      return [`*Help desk, last ${days} days, ${scope}*`, ...statsLines(period)].join('\n');
    },
  };
}

async function byName(deps: DeskActionDeps, teamId: string, channels: string[], name: string): Promise<string[]> {
  const { lookups } = await deps.workspaces.forTeam(teamId);
  const names = await Promise.all(channels.map((c) => lookups.channelName(c)));
  return channels.filter((_, i) => names[i] === name);
}
