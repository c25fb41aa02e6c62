// The workspaces (teams) one FakeSlack hosts for its app, and which bot token acts in which of them.
// As in Slack, each workspace that installs the app has its own bot user and bot id (the app id is shared), its own
// users, channels and messages, and each bot token belongs to exactly one workspace: every method authenticates
// the token and acts as that workspace. Channel ids are global (one C… id names one channel in one workspace), so
// a token naming another workspace's channel gets `channel_not_found`, like any channel its workspace lacks.
// After an uninstall Slack refuses the workspace's bot tokens with `account_inactive` ("Authentication token is for
// a deleted user or workspace when using a bot token", https://docs.slack.dev/reference/methods/auth.test; seen
// after an uninstall in slackapi/bolt-python#1029).
import type { FakeChannel, FakeUser } from './slack-model.js';
import { Workspace, type WorkspaceOptions } from './slack-state.js';

/** A workspace the app can be installed in (ids default to ones derived from the team id). */
export interface FakeTeamInput {
  teamId: string;
  teamName?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  users?: Record<string, FakeUser>;
  channels?: Record<string, FakeChannel>;
  /** Bot scopes granted in this workspace (default: the app's). */
  scopes?: string[];
}

/** What every workspace of the app shares: the app, the bot's name and the server's behaviour. */
export type SharedTeamOptions = Omit<
  WorkspaceOptions,
  'teamId' | 'teamName' | 'teamDomain' | 'botUserId' | 'botId' | 'channelOwners'
>;

export type TokenCheck = { ok: true; ws: Workspace } | { ok: false; error: 'invalid_auth' | 'account_inactive' };

export class FakeTeams {
  private readonly teams = new Map<string, Workspace>();
  /** Bot token → its workspace, and whether the workspace has since revoked it. */
  private readonly tokens = new Map<string, { teamId: string; revoked: boolean }>();
  private readonly channelOwners = new Map<string, string>();

  constructor(private readonly shared: SharedTeamOptions) {}

  add(input: FakeTeamInput): Workspace {
    if (this.teams.has(input.teamId)) throw new Error(`fake slack: workspace ${input.teamId} already exists`);
    const suffix = input.teamId.replace(/^T/, '');
    const ws = new Workspace({
      ...this.shared,
      teamId: input.teamId,
      teamName: input.teamName ?? `Team ${suffix}`,
      teamDomain: input.teamDomain ?? `team-${suffix.toLowerCase()}`,
      botUserId: input.botUserId ?? `UBOT${suffix}`,
      botId: input.botId ?? `BBOT${suffix}`,
      scopes: input.scopes ?? this.shared.scopes,
      channelOwners: this.channelOwners,
    });
    ws.users.set(ws.o.botUserId, {
      name: this.shared.botName,
      real_name: 'Threadwise',
      display_name: 'Threadwise',
      is_bot: true,
    });
    for (const [id, u] of Object.entries(input.users ?? {})) ws.users.set(id, u);
    for (const [id, c] of Object.entries(input.channels ?? {})) ws.adopt(id, c);
    this.teams.set(input.teamId, ws);
    return ws;
  }

  /** The workspace with this id; asking for one that was never added is a mistake in the test. */
  get(teamId: string): Workspace {
    const ws = this.teams.get(teamId);
    if (!ws) throw new Error(`fake slack: no workspace ${teamId} (add it with addWorkspace first)`);
    return ws;
  }

  all(): Workspace[] {
    return [...this.teams.values()];
  }

  /** The workspace that owns a channel, if any workspace has seen it. */
  ownerOf(channel: string): Workspace | undefined {
    const teamId = this.channelOwners.get(channel);
    return teamId === undefined ? undefined : this.teams.get(teamId);
  }

  bindToken(token: string, teamId: string): void {
    this.get(teamId);
    this.tokens.set(token, { teamId, revoked: false });
  }

  /** The workspace a bot token acts in, or Slack's error for it. */
  authenticate(token: string): TokenCheck {
    const bound = this.tokens.get(token);
    if (!bound) return { ok: false, error: 'invalid_auth' };
    if (bound.revoked) return { ok: false, error: 'account_inactive' };
    return { ok: true, ws: this.get(bound.teamId) };
  }

  /** Live bot tokens of one workspace, oldest first. */
  tokensOf(teamId: string): string[] {
    return [...this.tokens].filter(([, t]) => t.teamId === teamId && !t.revoked).map(([token]) => token);
  }

  /** The workspace removed the app: its bot tokens stop working. Returns the tokens revoked. */
  revoke(teamId: string): string[] {
    const live = this.tokensOf(teamId);
    for (const token of live) this.tokens.get(token)!.revoked = true;
    return live;
  }
}
