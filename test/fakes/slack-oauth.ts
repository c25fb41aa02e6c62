// Slack's OAuth v2 install flow as the fake models it (https://docs.slack.dev/authentication/installing-with-oauth,
// https://docs.slack.dev/reference/methods/oauth.v2.access):
// - The app sends the installer to https://slack.com/oauth/v2/authorize?client_id&scope&state[&redirect_uri].
//   `approve()` plays a member of one workspace clicking "Allow": it answers with the redirect back to the app
//   carrying `code` and the unchanged `state` (to redirect_uri if given, else to the app's configured redirect URL).
// - oauth.v2.access exchanges the code (single use, valid 10 minutes) for a bot token of the installing workspace,
//   authenticated by client_id + client_secret (form fields or HTTP Basic), no token needed. Errors:
//   invalid_client_id, bad_client_secret, invalid_code, code_already_used, bad_redirect_uri.
// - The token acts only in that workspace, as that workspace's bot user, with the scopes granted (see slack-teams.ts).
import { randomBytes } from 'node:crypto';
import { type Json, SlackApiError } from './slack-state.js';
import type { FakeTeams } from './slack-teams.js';

export interface FakeOAuthOptions {
  clientId: string;
  clientSecret: string;
  /** The redirect URL configured in the app's settings. */
  redirectUri?: string;
}

const CODE_TTL_MS = 10 * 60_000;

interface IssuedCode {
  teamId: string;
  userId: string;
  scope: string;
  redirectUri: string | undefined;
  issuedAt: number;
  used: boolean;
}

export class FakeOAuth {
  /** Bot tokens handed out by oauth.v2.access; the fake accepts them like its static bot token. */
  readonly issuedTokens = new Set<string>();
  private readonly codes = new Map<string, IssuedCode>();

  constructor(
    private readonly opts: FakeOAuthOptions,
    private readonly teams: FakeTeams,
    private readonly defaultTeamId: string,
    private readonly now: () => number,
  ) {}

  /**
   * A member (`userId`, default U1) of a workspace (`teamId`, default the fake's own) approves the install on
   * Slack's consent screen; returns where Slack redirects the browser.
   */
  approve(authorizeUrl: string, installer: { userId?: string; teamId?: string } = {}): string {
    const teamId = installer.teamId ?? this.defaultTeamId;
    this.teams.get(teamId);
    const url = new URL(authorizeUrl);
    if (url.origin !== 'https://slack.com' || url.pathname !== '/oauth/v2/authorize')
      throw new Error(`not an OAuth v2 authorize URL: ${url.origin}${url.pathname}`);
    if (url.searchParams.get('client_id') !== this.opts.clientId) throw new Error('authorize: invalid client_id');
    const redirectUri = url.searchParams.get('redirect_uri') ?? undefined;
    const target = redirectUri ?? this.opts.redirectUri;
    if (!target) throw new Error('authorize: no redirect_uri and none configured for the app');
    const code = `${Date.now()}.${randomBytes(12).toString('hex')}`;
    this.codes.set(code, {
      teamId,
      userId: installer.userId ?? 'U1',
      scope: url.searchParams.get('scope') ?? '',
      redirectUri,
      issuedAt: this.now(),
      used: false,
    });
    const back = new URL(target);
    back.searchParams.set('code', code);
    const state = url.searchParams.get('state');
    if (state !== null) back.searchParams.set('state', state);
    return back.toString();
  }

  /** oauth.v2.access; `basic` is the decoded HTTP Basic "id:secret", if sent. */
  access(args: Json, basic: string | undefined): Json {
    const [basicId, basicSecret] = basic ? basic.split(':') : [];
    const clientId = typeof args.client_id === 'string' ? args.client_id : basicId;
    const clientSecret = typeof args.client_secret === 'string' ? args.client_secret : basicSecret;
    if (clientId !== this.opts.clientId) throw new SlackApiError('invalid_client_id');
    if (clientSecret !== this.opts.clientSecret) throw new SlackApiError('bad_client_secret');
    const code = this.codes.get(String(args.code ?? ''));
    if (!code || this.now() - code.issuedAt > CODE_TTL_MS) throw new SlackApiError('invalid_code');
    if (code.used) throw new SlackApiError('code_already_used');
    if (code.redirectUri !== undefined && args.redirect_uri !== code.redirectUri)
      throw new SlackApiError('bad_redirect_uri');
    code.used = true;
    const ws = this.teams.get(code.teamId);
    const token = `xoxb-${ws.o.teamId}-${randomBytes(10).toString('hex')}`;
    this.teams.bindToken(token, ws.o.teamId);
    this.issuedTokens.add(token);
    const granted = code.scope.split(',').filter(Boolean);
    if (granted.length) ws.o.scopes = granted;
    return {
      access_token: token,
      token_type: 'bot',
      scope: code.scope,
      bot_user_id: ws.o.botUserId,
      app_id: ws.o.appId,
      team: { name: ws.o.teamName, id: ws.o.teamId },
      enterprise: null,
      authed_user: { id: code.userId },
      is_enterprise_install: false,
    };
  }
}
