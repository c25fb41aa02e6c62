import type { Logger } from 'pino';
import type { SettingsSource } from '../../config/live-settings.js';
import type { ChannelFacts } from '../../platform/slack/lookups.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import { type Admission, channelAdmission, needsFacts, refusalNote } from './where.js';

export interface Asker {
  teamId: string;
  channel: string;
  isDm: boolean;
  userId: string;
}

/**
 * Where the bot may speak and who may ask, read from the live settings at each question: the channel rule
 * (`access.allowed_channels`, `access.dms`), then the channel's `access.channels.<id>.users`.
 */
export class ChannelGate {
  /** Workspaces that asked something since start-up (OAuth mode: whose admins hear about a refused reload). */
  readonly teams = new Set<string>();

  constructor(
    private readonly deps: {
      settings: SettingsSource;
      workspaces: SlackWorkspaces;
      people: PeopleDirectory;
      /** The asker's language for the refusal note. */
      languages: UserLanguages;
      log: Logger;
    },
  ) {}

  /** Why the bot does not serve this person here, in their language (one note, for an ephemeral reply). */
  async refusal(a: Pick<Asker, 'teamId' | 'userId'>, rule: string): Promise<string> {
    return refusalNote(await this.deps.languages.of(a.teamId, a.userId), rule);
  }

  /** Throws when Slack cannot say what kind of channel this is: the event fails and Slack delivers it again. */
  async admission(a: Omit<Asker, 'userId'> & { userId?: string }): Promise<Admission> {
    this.teams.add(a.teamId);
    const { access } = this.deps.settings.current();
    let facts: ChannelFacts | undefined;
    if (needsFacts(access, a.channel, a.isDm)) {
      facts = await (await this.deps.workspaces.forTeam(a.teamId)).lookups.channelFacts(a.channel);
      if (!facts)
        throw new Error(`conversations.info failed for ${a.channel}: cannot tell whether the bot may speak there`);
    }
    const where = channelAdmission(access, a.channel, a.isDm, facts);
    if (!where.ok || a.isDm || a.userId === undefined) return where;
    const users = access.channels[a.channel]?.users;
    if (users && !(await this.deps.people.includes(a.teamId, users, a.userId)))
      return { ok: false, rule: `access.channels.${a.channel}.users` };
    return where;
  }

  /**
   * Admits a question, or tells the asker privately why not (one short ephemeral note) and nothing else.
   * Resolves true when the bot may answer. `refuseOnce` claims the message before a refusal is sent.
   */
  async admit(a: Asker & { threadTs?: string; refuseOnce?: () => Promise<boolean> }): Promise<boolean> {
    const decision = await this.admission(a);
    if (decision.ok) return true;
    // A message delivered twice (app_mention + message, Slack's retries) is refused once.
    if (a.refuseOnce && !(await a.refuseOnce())) return false;
    this.deps.log.info({ channel: a.channel, user: a.userId, rule: decision.rule }, 'question refused here');
    const { client } = await this.deps.workspaces.forTeam(a.teamId);
    await client.chat
      .postEphemeral({
        channel: a.channel,
        user: a.userId,
        text: await this.refusal(a, decision.rule),
        ...(a.threadTs && !a.isDm ? { thread_ts: a.threadTs } : {}),
      })
      .catch((err: Error) => this.deps.log.warn({ err: { message: err.message } }, 'could not send the refusal note'));
    return false;
  }
}
