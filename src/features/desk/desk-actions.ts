import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { SettingsSource } from '../../config/live-settings.js';
import type { Translator } from '../../i18n/translators.js';
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
import type { UserLanguages } from '../../platform/slack/user-languages.js';
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
  /** The clicker's language: what they are told privately is written in it. */
  languages: Pick<UserLanguages, 'of'>;
  /** `limits.admins`, user groups resolved. */
  admins: Admins;
  log: Logger;
  now?: () => number;
}

const STATE_NOTE = {
  open: 'desk.state_open',
  answered: 'desk.state_answered',
  waiting_for_human: 'desk.state_waiting',
  with_human: 'desk.state_with_human',
  resolved: 'desk.state_resolved',
} as const satisfies Record<DeskState, string>;

function handoffNote(t: Translator, outcome: Awaited<ReturnType<Desk['handoff']>>): string | undefined {
  if (outcome === 'handed_off') return undefined;
  if (outcome === 'not_desk') return t.t('desk.not_desk_handoff');
  return t.t(STATE_NOTE[outcome]);
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
  const onClick = (
    actionId: string,
    act: (key: ThreadKey, user: string, client: WebClient, t: Translator) => Promise<void>,
  ) =>
    app.action({ type: 'block_actions', action_id: actionId }, async ({ ack, body, client, respond }) => {
      await ack();
      const click = buttonClickSchema.safeParse(body);
      if (!click.success) return refuseUnusable('desk click', click.error, respond, deps.log);
      const key = where(click.data);
      if (!key)
        return void (await respond?.({ response_type: 'ephemeral', replace_original: false, text: UNUSABLE_NOTE }));
      const user = click.data.user.id;
      await act(key, user, client, await deps.languages.of(key.teamId, user));
    });

  onClick(SOLVED_ACTION, async (key, user, client, t) => {
    const outcome = await deps.desk.resolve(key, user);
    const thread = await deps.store.get(key);
    const text =
      outcome === 'resolved'
        ? t.t('desk.solved_thanks')
        : outcome === 'not_asker' && thread
          ? t.t('desk.only_asker_solves', { asker: mrkdwn`${mention(thread.asker)}` })
          : outcome === 'already'
            ? t.t('desk.state_resolved')
            : t.t('desk.not_desk');
    await tell(client, key, user, text);
  });

  onClick(HUMAN_ACTION, async (key, user, client, t) => {
    const note = handoffNote(t, await deps.desk.handoff(key, user));
    if (note) await tell(client, key, user, note);
  });
}

/** `/threadwise handoff`: Slack sends commands without their thread, so it acts on the caller's latest desk question here. */
export function handoffSubcommand(deps: DeskActionDeps): Subcommand {
  return {
    name: 'handoff',
    description: (t) => t.t('subcommand.handoff'),
    async run({ teamId, userId, channelId, t }) {
      if (!deskOf(deps.settings.current(), channelId)) return t.t('desk.no_desk_here');
      const threadTs = await deps.store.latest(teamId, channelId, userId);
      if (!threadTs) return t.t('desk.no_question_here');
      const outcome = await deps.desk.handoff({ teamId, channel: channelId, threadTs }, userId);
      return handoffNote(t, outcome) ?? t.t('desk.handoff_done');
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
    usage: (t) => `stats [7d|30d] [#${t.t('command.arg_channel')}]`,
    description: (t) => t.t('subcommand.stats'),
    async run({ teamId, userId, args, t }) {
      const admins = await deps.admins.of(teamId);
      if (admins.length && !(await deps.admins.includes(teamId, userId))) return t.t('desk.stats_admins_only');
      let days = 7;
      let channels = deskChannels();
      for (const arg of args) {
        const period = /^(7|30)d$/.exec(arg);
        if (period) {
          days = Number(period[1]);
          continue;
        }
        const m = CHANNEL_ARG.exec(arg);
        if (!m) return t.t('desk.stats_bad_arg', { arg: mrkdwn`${arg}` });
        const byId = m[1] ?? m[2];
        const found = byId ? channels.filter((c) => c === byId) : await byName(deps, teamId, deskChannels(), m[3]!);
        if (!found.length) return t.t('desk.stats_not_desk_channel', { arg: mrkdwn`${arg}` });
        channels = found;
      }
      if (!channels.length) return t.t('desk.stats_no_desks');
      const period = await deps.stats.read(teamId, channels, lastDays(deps.now?.() ?? Date.now(), days));
      const title =
        channels.length === 1
          ? t.t('desk.stats_title_channel', { days, channel: `<#${channels[0]}>` })
          : t.t('desk.stats_title_channels', { days, count: channels.length });
      return [title, ...statsLines(t, period)].join('\n');
    },
  };
}

async function byName(deps: DeskActionDeps, teamId: string, channels: string[], name: string): Promise<string[]> {
  const { lookups } = await deps.workspaces.forTeam(teamId);
  const names = await Promise.all(channels.map((c) => lookups.channelName(c)));
  return channels.filter((_, i) => names[i] === name);
}
