// FakeSlack: an HTTP server that answers the Slack Web API the way @slack/web-api 8 calls it
// (POST /api/<method>, form-encoded with JSON-encoded nested values, or JSON; token in
// `Authorization: Bearer` or the `token` form field), serves private file downloads, and hosts a
// Socket Mode endpoint. It hosts one app in one workspace by default, and in more with addWorkspace():
// each bot token acts only in its own workspace (slack-teams.ts). Answers are HTTP 200 `{ok:true,...}` / `{ok:false,error}`; HTTP 429 with
// `Retry-After` and `{ok:false,error:'ratelimited'}` when rate limited.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallHolds } from './call-holds.js';
import { chatHandlers } from './slack-api-chat.js';
import { otherHandlers } from './slack-api-methods.js';
import { buildEventEnvelope, type EnvelopeOptions } from './slack-events.js';
import { buildStoredFile, type DownloadRecord, serveDownload } from './slack-files.js';
import { type LiveMarkup, liveInBlocks, liveInMarkdown, liveInMrkdwn } from './slack-markup.js';
import {
  type FakeChannel,
  type FakeFileInput,
  type FakeMessage,
  type FakeUser,
  JSON_ARGS,
  type RecordedCall,
  type SlackFileObject,
} from './slack-model.js';
import { FakeOAuth, type FakeOAuthOptions } from './slack-oauth.js';
import { RateLimiter } from './slack-rate-limit.js';
import { issueActionToken, searchHandlers } from './slack-search.js';
import { type FakeEphemeral, type Json, SlackApiError, type ThreadStatus, type Workspace } from './slack-state.js';
import { type FakeTeamInput, FakeTeams } from './slack-teams.js';
import { type EnvelopeResult, type EnvelopeType, SocketModeServer } from './socket-mode.js';

export type { FakeMessage, RecordedCall, SlackFileObject } from './slack-model.js';
export type { FakeTeamInput } from './slack-teams.js';

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  teamId?: string;
  teamName?: string;
  botUserId?: string;
  botId?: string;
  botName?: string;
  users?: Record<string, FakeUser>;
  channels?: Record<string, FakeChannel>;
  rateLimits?: 'off' | 'tiers';
  tierScale?: number;
  /** Compresses Slack's rate-limit clock (see RateLimitOptions.timeScale). */
  rateTimeScale?: number;
  /** Server-side stream expiry measured from chat.startStream (default: none). */
  streamExpiryMs?: number;
  /** Server-side stream expiry after this long without start/append (default: none). */
  streamIdleExpiryMs?: number;
  /** Cumulative text one streamed message can hold (default 12,000). */
  streamMaxChars?: number;
  /** Reject channel ids not listed in `channels` (default false: C…/G…/D… ids are auto-created). */
  strictChannels?: boolean;
  /** Clock for rate windows, stream expiry and trigger expiry (default Date.now). */
  now?: () => number;
  /** Interval of server pings on Socket Mode connections. */
  socketPingIntervalMs?: number;
  /** Bot token scopes (default: the manifest's, incl. users:read.email); sent as X-OAuth-Scopes like Slack. */
  scopes?: string[];
  /** Enables the OAuth v2 install flow (oauth.v2.access) for this app. */
  oauth?: FakeOAuthOptions;
  /** The app's unfurl domains (manifest features.unfurl_domains): only their links raise link_shared. */
  unfurlDomains?: string[];
}

export const DEFAULT_SCOPES = [
  'app_mentions:read',
  'assistant:write',
  'chat:write',
  'commands',
  'channels:history',
  'channels:read',
  'groups:history',
  'groups:read',
  'im:history',
  'im:read',
  'im:write',
  'mpim:history',
  'mpim:read',
  'files:read',
  'links:read',
  'links:write',
  'users:read',
  'users:read.email',
  'usergroups:read',
  'reactions:read',
  'reactions:write',
  'search:read.public',
];

const HANDLERS: Record<string, (args: Json, ws: Workspace) => Json> = {
  ...chatHandlers,
  ...otherHandlers,
  ...searchHandlers,
};

/**
 * How a method fails while an outage lasts: an HTTP status from Slack's edge (an HTML page, no JSON; the call is
 * not applied), or Slack's own refusal (`{ok:false,error}` with HTTP 200).
 */
export type SlackOutage = { status: 500 | 502 | 503 | 504 } | { error: string };
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);
export class FakeSlack {
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly calls: RecordedCall[] = [];
  private readonly holds = new CallHolds();
  private readonly watchers = new Set<() => void>();
  /** The OAuth install flow, when enabled: `oauth.approve(authorizeUrl)` plays the installer. */
  readonly oauth: FakeOAuth | undefined;
  /** File downloads served, with whether they carried the right token. */
  readonly downloads: DownloadRecord[] = [];
  /** Messages the app sent to response_url hooks (ephemeral answers to shortcuts and commands). */
  readonly hookMessages: Array<{ path: string; body: Json }> = [];
  /** The fake's own workspace (teamId); others join with addWorkspace. */
  private readonly ws: Workspace;
  private readonly teams: FakeTeams;
  private readonly limiter: RateLimiter;
  private readonly socket: SocketModeServer;
  private readonly server: Server;
  private readonly outages: Array<{ method: string; fault: SlackOutage; until: number }> = [];
  private base = '';

  constructor(readonly opts: FakeSlackOptions = {}) {
    this.botToken = opts.botToken ?? 'xoxb-test-bot-token';
    this.appToken = opts.appToken ?? 'xapp-test-app-token';
    this.teamId = opts.teamId ?? 'T0TEST';
    this.botUserId = opts.botUserId ?? 'UBOT';
    this.botId = opts.botId ?? 'BBOT';
    this.teams = new FakeTeams({
      appId: 'A0TEST',
      botName: opts.botName ?? 'threadwise',
      ...(opts.streamExpiryMs !== undefined ? { streamExpiryMs: opts.streamExpiryMs } : {}),
      ...(opts.streamIdleExpiryMs !== undefined ? { streamIdleExpiryMs: opts.streamIdleExpiryMs } : {}),
      streamMaxChars: opts.streamMaxChars ?? 12_000,
      strictChannels: opts.strictChannels ?? false,
      now: opts.now ?? Date.now,
      scopes: opts.scopes ?? DEFAULT_SCOPES,
    });
    this.ws = this.teams.add({
      teamId: this.teamId,
      teamName: opts.teamName ?? 'Fake Team',
      teamDomain: 'fake-team',
      botUserId: this.botUserId,
      botId: this.botId,
      ...(opts.users ? { users: opts.users } : {}),
      ...(opts.channels ? { channels: opts.channels } : {}),
    });
    this.teams.bindToken(this.botToken, this.teamId);
    this.oauth = opts.oauth ? new FakeOAuth(opts.oauth, this.teams, this.teamId, opts.now ?? Date.now) : undefined;
    this.limiter = new RateLimiter({
      mode: opts.rateLimits ?? 'off',
      tierScale: opts.tierScale ?? 1,
      timeScale: opts.rateTimeScale ?? 1,
    });
    this.socket = new SocketModeServer('A0TEST', opts.socketPingIntervalMs);
    this.server = createServer((req, res) => {
      res.once('finish', () => {
        for (const w of [...this.watchers]) w();
      });
      this.route(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`fake slack internal error: ${String(e)}`);
      });
    });
    this.server.on('upgrade', (req, sock, head) => this.socket.handleUpgrade(req, sock, head));
  }

  /** Calls `fn` after each request the fake has answered (its state is up to date then); returns an unsubscribe. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  /**
   * Adds another workspace the app can be installed in (through `oauth.approve(url, { teamId })`). Its bot user
   * and bot id default to UBOT<suffix>/BBOT<suffix> for team T<suffix>; keep channel ids unique across workspaces.
   */
  addWorkspace(input: FakeTeamInput): { teamId: string; botUserId: string; botId: string } {
    const ws = this.teams.add(input);
    return { teamId: ws.o.teamId, botUserId: ws.o.botUserId, botId: ws.o.botId };
  }

  /** A workspace's bot identity (default: the fake's own workspace). */
  workspace(teamId = this.teamId): { teamId: string; teamName: string; botUserId: string; botId: string } {
    const { o } = this.teams.get(teamId);
    return { teamId: o.teamId, teamName: o.teamName, botUserId: o.botUserId, botId: o.botId };
  }

  /** Live bot tokens of a workspace (the static one for the fake's own, plus any issued by OAuth). */
  tokensOf(teamId: string): string[] {
    return this.teams.tokensOf(teamId);
  }

  /** The workspace removes the app: its bot tokens are refused from now on. Returns them. */
  uninstall(teamId: string): string[] {
    return this.teams.revoke(teamId);
  }

  /** The workspace a channel belongs to (the fake's own for channels no workspace has seen yet). */
  private wsOf(channel: string): Workspace {
    return this.teams.ownerOf(channel) ?? this.ws;
  }

  /** Starts listening on 127.0.0.1; resolves with the slackApiUrl (".../api/"). */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return `${this.base}/api/`;
  }

  get baseUrl(): string {
    return this.base;
  }

  async close(): Promise<void> {
    await this.socket.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Every call of `method` fails with `fault` for `forMs` (on the fake's clock), or until `heal()`. */
  failFor(method: string, fault: SlackOutage, forMs = Number.POSITIVE_INFINITY): void {
    this.outages.push({ method, fault, until: this.ws.now() + forMs });
  }

  /** Calls of `method` wait, as they do when Slack is slow to answer, until the returned function is called. */
  holdCalls(method: string): () => void {
    return this.holds.hold(method);
  }

  /** Ends every outage started with failFor. */
  heal(): void {
    this.outages.length = 0;
  }

  // ---------- HTTP ----------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base || 'http://127.0.0.1');
    const raw = await new Promise<string>((resolve) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    });
    if (url.pathname.startsWith('/api/')) {
      await this.holds.pass(decodeURIComponent(url.pathname.slice('/api/'.length)));
      return this.api(req, res, url, raw);
    }
    if (req.method === 'POST' && url.pathname.startsWith('/hooks/')) {
      // response_url: Slack answers a plain "ok" (https://docs.slack.dev/interactivity/handling-user-interaction).
      this.hookMessages.push({ path: url.pathname, body: raw ? (JSON.parse(raw) as Json) : {} });
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('ok');
      return;
    }
    if (req.method === 'GET' && url.pathname.startsWith('/files-pri/')) {
      const status = serveDownload(req, res, url, {
        teamOfToken: (header) => {
          const checked = header?.startsWith('Bearer ') ? this.teams.authenticate(header.slice(7).trim()) : undefined;
          return checked?.ok ? checked.ws.o.teamId : undefined;
        },
        filesOf: (teamId) => this.teams.get(teamId).files,
      });
      this.downloads.push(status);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }

  private json(
    res: ServerResponse,
    status: number,
    body: Json,
    headers: Record<string, string> = {},
    ws = this.ws,
  ): void {
    const scopes = { 'X-OAuth-Scopes': ws.o.scopes.join(',') };
    res
      .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...scopes, ...headers })
      .end(JSON.stringify(body));
  }

  private parseArgs(req: IncomingMessage, url: URL, raw: string): { args: Json; bodyToken?: string } {
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type === 'application/json') {
      // Slack ignores a token inside a JSON body: it must come in the Authorization header.
      const parsed = raw ? (JSON.parse(raw) as Json) : {};
      delete parsed.token;
      return { args: parsed };
    }
    if (raw && type !== 'application/x-www-form-urlencoded') {
      throw new SlackApiError(type ? 'invalid_post_type' : 'missing_post_type');
    }
    const params = new URLSearchParams(raw || url.search);
    const args: Json = {};
    for (const [k, v] of params) {
      if (JSON_ARGS.has(k)) {
        try {
          args[k] = JSON.parse(v);
        } catch {
          args[k] = v;
        }
      } else args[k] = v;
    }
    const bodyToken = typeof args.token === 'string' ? args.token : undefined;
    delete args.token;
    return bodyToken ? { args, bodyToken } : { args };
  }

  private api(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): void {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const at = this.ws.now();
    const call: RecordedCall = { method, args: {}, at, status: 200, ok: false };
    this.calls.push(call);
    const fail = (error: string, extra: Json = {}): void => {
      call.error = error;
      this.json(res, 200, { ok: false, error, ...extra });
    };
    let parsed: { args: Json; bodyToken?: string };
    try {
      parsed = this.parseArgs(req, url, raw);
    } catch (e) {
      return fail(e instanceof SlackApiError ? e.code : 'invalid_json');
    }
    call.args = parsed.args;
    const outage = this.outages.find((o) => o.method === method && at < o.until)?.fault;
    if (outage && 'status' in outage) {
      call.status = outage.status;
      call.error = `http_${outage.status}`;
      res
        .writeHead(outage.status, { 'Content-Type': 'text/html' })
        .end('<html><body>Slack is having trouble</body></html>');
      return;
    }
    if (outage) return fail(outage.error);
    if (method === 'oauth.v2.access' && this.oauth) {
      const header = String(req.headers.authorization ?? '');
      const basic = header.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : undefined;
      try {
        const result = this.oauth.access(parsed.args, basic);
        call.ok = true;
        return this.json(res, 200, { ok: true, ...result });
      } catch (e) {
        if (!(e instanceof SlackApiError)) throw e;
        return fail(e.code);
      }
    }
    const handler = HANDLERS[method];
    if (!handler && method !== 'apps.connections.open') return fail('unknown_method', { req_method: method });

    const header = String(req.headers.authorization ?? '');
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : parsed.bodyToken;
    if (!token) return fail('not_authed');
    // Every method acts in the workspace the token belongs to; the app-level token is not a workspace's.
    const bot = token === this.appToken ? undefined : this.teams.authenticate(token);
    if (bot && !bot.ok) return fail(bot.error);
    const ws = bot?.ws ?? this.ws;
    call.tokenType = bot ? 'bot' : 'app';
    call.token = token;
    if (bot) call.teamId = ws.o.teamId;
    if ((call.tokenType === 'app') !== APP_TOKEN_METHODS.has(method)) return fail('not_allowed_token_type');

    const channel = typeof parsed.args.channel === 'string' ? parsed.args.channel : undefined;
    const decision = this.limiter.check(method, ws.o.teamId, channel, at);
    if (decision.limited) {
      call.status = 429;
      call.error = 'ratelimited';
      return this.json(
        res,
        429,
        { ok: false, error: 'ratelimited' },
        { 'Retry-After': String(decision.retryAfterSec) },
        ws,
      );
    }
    try {
      const result =
        method === 'apps.connections.open'
          ? { url: `${this.base.replace(/^http/, 'ws')}/link/?ticket=${this.socket.issueTicket()}&app_id=A0TEST` }
          : handler!(parsed.args, ws);
      call.ok = true;
      this.json(res, 200, { ok: true, ...result }, {}, ws);
    } catch (e) {
      if (!(e instanceof SlackApiError)) throw e;
      fail(e.code, { ...e.extra, ...(e.messages ? { response_metadata: { messages: e.messages } } : {}) });
    }
  }

  // ---------- fixtures ----------

  /** Registers a file for download in a workspace (default the fake's own); returns the Slack file object for events. */
  addFile(input: FakeFileInput, teamId = this.teamId): SlackFileObject {
    const stored = buildStoredFile(input, this.base, teamId);
    this.teams.get(teamId).files.set(input.id, stored);
    return stored.object;
  }

  /** A person reacts to a stored message (as reactions.add would record it); returns the message's author. */
  addReaction(channel: string, ts: string, user: string, name: string): string {
    const ws = this.wsOf(channel);
    const m = ws.find(channel, ts);
    if (!m) throw new Error(`fake slack: no message ${ts} in ${channel}`);
    const reactions = (m.reactions ??= []);
    const existing = reactions.find((r) => r.name === name);
    if (existing && !existing.users.includes(user)) existing.users.push(user);
    else if (!existing) reactions.push({ name, users: [user] });
    return m.user;
  }

  addUser(id: string, user: FakeUser, teamId = this.teamId): void {
    this.teams.get(teamId).users.set(id, user);
  }

  /** Creates (or replaces) a user group; returns the subteam_members_changed event Slack would send for it. */
  setUserGroup(
    id: string,
    group: { handle: string; name?: string; users: string[]; disabled?: boolean },
    teamId = this.teamId,
  ): Json {
    const ws = this.teams.get(teamId);
    const before = ws.userGroups.get(id);
    const updated = Math.floor(ws.now() / 1000);
    ws.userGroups.set(id, { name: group.name ?? group.handle, ...group, users: [...group.users], updated });
    const had = new Set(before?.users ?? []);
    const added = group.users.filter((u) => !had.has(u));
    const removed = [...had].filter((u) => !group.users.includes(u));
    // https://docs.slack.dev/reference/events/subteam_members_changed (counts are strings there).
    return {
      type: 'subteam_members_changed',
      subteam_id: id,
      team_id: teamId,
      date_previous_update: before?.updated ?? updated,
      date_update: updated,
      added_users: added,
      added_users_count: String(added.length),
      removed_users: removed,
      removed_users_count: String(removed.length),
      event_ts: `${updated}.000100`,
    };
  }

  addChannel(id: string, channel: FakeChannel, teamId = this.teamId): void {
    this.teams.get(teamId).adopt(id, channel);
  }

  /**
   * Stores a human message (so conversations.replies/history can return it); returns its ts. It lands in `teamId`'s
   * workspace, else in the workspace that owns the channel, else in the fake's own.
   */
  addMessage(
    channel: string,
    msg: {
      user: string;
      text: string;
      ts?: string;
      thread_ts?: string;
      files?: unknown[];
      bot_id?: string;
      teamId?: string;
    },
  ): string {
    const ws = msg.teamId ? this.teams.get(msg.teamId) : this.wsOf(channel);
    const ts = msg.ts ?? ws.ts.next();
    const m: FakeMessage = { ts, user: msg.user, text: msg.text, edits: 0 };
    if (msg.thread_ts) {
      m.thread_ts = msg.thread_ts;
      const root = ws.find(channel, msg.thread_ts);
      if (root && !root.thread_ts) root.thread_ts = root.ts;
    }
    if (msg.files) m.files = msg.files;
    if (msg.bot_id) m.bot_id = msg.bot_id;
    ws.insert(channel, m);
    return ts;
  }

  /**
   * Records the message an event describes (app_mention / message) into the workspace (team_id) it was sent for,
   * and adds the `action_token` Slack sends with a person's message (so deliver the event after recording it).
   */
  recordEvent(event: Json, teamId?: string): void {
    const { type, subtype, channel, user, text, ts } = event as Record<string, string | undefined>;
    const item = event.item as { channel?: string; ts?: string } | undefined;
    if (type === 'reaction_added' && item?.channel && item.ts && user && typeof event.reaction === 'string') {
      const ws = teamId ? this.teams.get(teamId) : this.wsOf(item.channel);
      if (ws.find(item.channel, item.ts)) this.addReaction(item.channel, item.ts, user, event.reaction);
      return;
    }
    if (type !== 'app_mention' && type !== 'message') return;
    if (subtype && subtype !== 'file_share' && subtype !== 'thread_broadcast') return;
    const ws = teamId ? this.teams.get(teamId) : channel ? this.wsOf(channel) : this.ws;
    // Slack puts a Real-time Search token, standing for the message's author, on each message it delivers.
    if (user && !event.bot_id && typeof event.action_token !== 'string')
      event.action_token = issueActionToken(ws, user);
    if (!channel || !user || !ts || ws.find(channel, ts)) return;
    const thread = typeof event.thread_ts === 'string' ? event.thread_ts : undefined;
    this.addMessage(channel, {
      user,
      text: text ?? '',
      ts,
      teamId: ws.o.teamId,
      ...(thread ? { thread_ts: thread } : {}),
      ...(Array.isArray(event.files) ? { files: event.files } : {}),
    });
  }

  /**
   * A person clicks Stop on an agent session, as Slack handles it (docs.slack.dev agent_session_stopped): the button
   * exists only while the session is `processing`; Slack itself stops the app's live streams in that thread and
   * sends the event listing them. The session's status is left alone (the app must move it on). Returns the event.
   */
  pressStop(channel: string, threadTs: string, user: string): Json {
    const ws = this.wsOf(channel);
    const session = ws.sessions.get(`${channel}:${threadTs}`);
    if (session?.status !== 'processing')
      throw new Error(`fake slack: no Stop button in ${channel}:${threadTs} (session ${session?.status ?? 'absent'})`);
    const stopped: string[] = [];
    for (const m of ws.messages.get(channel) ?? []) {
      ws.refreshStream(channel, m);
      if (m.thread_ts === threadTs && ws.isBot(m) && m.streaming_state === 'in_progress') {
        m.streaming_state = 'completed';
        stopped.push(m.ts);
      }
    }
    return {
      type: 'agent_session_stopped',
      channel,
      user,
      thread_ts: threadTs,
      streaming_message_ts: stopped,
      event_ts: ws.ts.next(),
    };
  }

  /** The chunks a streamed message received (start, appends, stop), in order, and its task_display_mode. */
  streamChunks(channel: string, ts: string): { chunks: unknown[]; taskDisplayMode?: string } | undefined {
    const s = this.wsOf(channel).streams.get(`${channel}:${ts}`);
    return s && { chunks: [...s.chunks], ...(s.taskDisplayMode ? { taskDisplayMode: s.taskDisplayMode } : {}) };
  }

  /** Every workspace refuses stream calls carrying chunks with `error` (undefined: accepts them again). */
  refuseChunks(error: string | undefined): void {
    for (const ws of this.teams.all()) ws.refusesChunks = error;
  }

  /**
   * A person posts a message with links in a conversation (the bot a member); Slack sends link_shared for the
   * links on the app's unfurl domains (none: Slack sends nothing, so this throws). Returns the event.
   */
  shareLinks(channel: string, user: string, urls: string[], threadTs?: string): Json {
    const domains = this.opts.unfurlDomains ?? [];
    const links = urls
      .map((url) => ({ url, domain: new URL(url).hostname }))
      .filter((l) => domains.some((d) => l.domain === d || l.domain.endsWith(`.${d}`)));
    if (!links.length) throw new Error('fake slack: no link on the app unfurl domains, so Slack sends no link_shared');
    const ws = this.wsOf(channel);
    const ts = this.addMessage(channel, {
      user,
      text: urls.map((u) => `<${u}>`).join(' '),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    ws.unfurlIds.set(`${channel}.${ts}`, `${channel}:${ts}`);
    return {
      type: 'link_shared',
      channel,
      is_bot_user_member: true,
      user,
      message_ts: ts,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      links,
      source: 'conversations_history',
      unfurl_id: `${channel}.${ts}`,
      event_ts: ws.ts.next(),
    };
  }

  /** The Work Objects on a message: those chat.unfurl attached, else the message's own metadata.entities. */
  workObjects(channel: string, ts: string): Json[] {
    const ws = this.wsOf(channel);
    const unfurled = ws.unfurls.get(`${channel}:${ts}`);
    if (unfurled) return unfurled;
    const own = (ws.find(channel, ts)?.metadata as Json | undefined)?.entities;
    return Array.isArray(own) ? (own as Json[]) : [];
  }

  /**
   * A person opens the details (flexpane) of a Work Object on a message; Slack sends entity_details_requested with
   * a fresh trigger_id for entity.presentDetails. Throws when the message has no such Work Object.
   */
  openWorkObject(channel: string, ts: string, user: string, entityId: string): Json {
    const entity = this.workObjects(channel, ts).find((e) => (e.external_ref as Json | undefined)?.id === entityId);
    if (!entity) throw new Error(`fake slack: message ${channel}:${ts} has no work object ${entityId}`);
    const ws = this.wsOf(channel);
    const trigger = `${ws.now()}.${Math.floor(Math.random() * 1e9)}.${Math.random().toString(16).slice(2, 12)}`;
    ws.entityTriggers.set(trigger, { entityId, user });
    const url = String(entity.url);
    return {
      type: 'entity_details_requested',
      user,
      trigger_id: trigger,
      link: { url, domain: new URL(url).hostname },
      entity_url: url,
      ...(entity.app_unfurl_url ? { app_unfurl_url: entity.app_unfurl_url } : {}),
      user_locale: 'en-US',
      event_ts: ws.ts.next(),
      external_ref: entity.external_ref,
      message_ts: ts,
      channel,
    };
  }

  /** What entity.presentDetails showed, in order (the viewer, the entity, its metadata or the error). */
  presentedDetails(
    teamId = this.teamId,
  ): ReadonlyArray<{ user: string; entityId: string; metadata?: Json; error?: Json }> {
    return this.teams.get(teamId).presented;
  }

  /** Forces a live stream into the expired state Slack leaves it in after its server timeout. */
  expireStream(channel: string, ts: string): void {
    const m = this.wsOf(channel).find(channel, ts);
    if (m?.streaming_state === 'in_progress') m.streaming_state = 'errored';
  }

  // ---------- inspection ----------

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages in a channel, in whichever workspace owns it. */
  messages(channel: string): FakeMessage[] {
    const ws = this.wsOf(channel);
    const list = ws.messages.get(channel) ?? [];
    for (const m of list) ws.refreshStream(channel, m);
    return [...list];
  }

  /** Bot replies in a thread (excluding the root), oldest first; the bot is the channel's workspace's bot user. */
  threadReplies(channel: string, threadTs: string): FakeMessage[] {
    const ws = this.wsOf(channel);
    return this.messages(channel).filter((m) => m.thread_ts === threadTs && m.ts !== threadTs && ws.isBot(m));
  }

  /** Current assistant status; Slack drops it after 2 minutes or when the bot replies. */
  threadStatus(channel: string, threadTs: string): ThreadStatus | undefined {
    const ws = this.wsOf(channel);
    const s = ws.statuses.get(`${channel}:${threadTs}`);
    return s && ws.now() - s.at < 120_000 ? s : undefined;
  }

  suggestedPrompts(
    channel: string,
    threadTs = '',
  ): { title?: string; prompts: Array<{ title: string; message: string }> } | undefined {
    return this.wsOf(channel).prompts.get(`${channel}:${threadTs}`);
  }

  /** An agent session (agents.sessions.*): its status, the statuses it went through, its title. */
  agentSession(channel: string, threadTs: string): { status: string; history: string[]; title?: string } | undefined {
    return this.wsOf(channel).sessions.get(`${channel}:${threadTs}`);
  }

  threadTitle(channel: string, threadTs: string): string | undefined {
    return this.wsOf(channel).titles.get(`${channel}:${threadTs}`);
  }

  /** A response_url for a payload from a workspace (default the fake's own), answered by this fake. */
  responseUrl(teamId = this.teamId): string {
    return `${this.base}/hooks/actions/${teamId}/${Date.now()}/${Math.random().toString(36).slice(2)}`;
  }

  /** Ephemeral messages shown in every workspace. */
  ephemerals(): ReadonlyArray<FakeEphemeral> {
    return this.teams.all().flatMap((ws) => ws.ephemerals);
  }

  /**
   * Everything live in what the app has shown so far, in every workspace: its messages (text as Slack reads it,
   * blocks, fallbacks), ephemerals, response_url answers and views. `where` says which.
   */
  liveMarkup(): Array<LiveMarkup & { where: string }> {
    const found: Array<LiveMarkup & { where: string }> = [];
    const add = (where: string, list: LiveMarkup[]) => {
      // A markdown_text message is both its text and its markdown block: each sequence counts once.
      const seen = new Set<string>();
      for (const l of list) {
        const key = `${l.kind}\u0000${l.target}\u0000${l.raw}`;
        if (!seen.has(key)) found.push({ ...l, where });
        seen.add(key);
      }
    };
    const shown = (text: string | undefined, blocks: unknown[] | undefined, fallback?: string) => [
      ...(blocks ? liveInBlocks(blocks) : text ? liveInMrkdwn(text) : []),
      ...(fallback ? liveInMrkdwn(fallback) : []),
    ];
    for (const ws of this.teams.all()) {
      for (const [channel, list] of ws.messages)
        for (const m of list.filter((x) => ws.isBot(x))) {
          // Streamed and markdown_text messages are Markdown; any other text is mrkdwn.
          const markdown = m.format === 'markdown';
          add(`message ${channel} ${m.ts}`, [
            ...(markdown ? liveInMarkdown(m.text) : []),
            ...shown(markdown ? undefined : m.text, m.blocks, m.fallback),
          ]);
        }
      for (const e of ws.ephemerals) add(`ephemeral ${e.channel} for ${e.user}`, shown(e.text, e.blocks, e.fallback));
      for (const [id, v] of ws.views) add(`view ${id}`, Array.isArray(v.blocks) ? liveInBlocks(v.blocks) : []);
    }
    for (const h of this.hookMessages) {
      const blocks = Array.isArray(h.body.blocks) ? h.body.blocks : undefined;
      add(`response_url ${h.path}`, shown(typeof h.body.text === 'string' ? h.body.text : undefined, blocks));
    }
    return found;
  }

  /** A view the app opened (views.open), by id. */
  openedViews(teamId = this.teamId): Json[] {
    return [...this.teams.get(teamId).views].filter(([k]) => !k.startsWith('home:')).map(([, v]) => v);
  }

  /**
   * The view_submission Slack posts when `user` presses Submit on an opened view: every input carries its initial
   * value unless `changes` (by block id) says otherwise, in the shape of its element (plain_text_input: value;
   * static_select: selected_option; checkboxes: selected_options), like Slack's view.state.values.
   */
  viewSubmission(
    viewId: string,
    user: string,
    changes: Record<string, string | string[]> = {},
    teamId = this.teamId,
  ): Json {
    const view = this.teams.get(teamId).views.get(viewId);
    if (!view) throw new Error(`fake slack: no opened view ${viewId}`);
    const values: Record<string, Json> = {};
    for (const block of (view.blocks as Json[]).filter((b) => b.type === 'input')) {
      const e = block.element as Json;
      const id = String(block.block_id);
      const change = changes[id];
      const options = (e.options as Json[] | undefined) ?? [];
      const pick = (v: string) => {
        const o = options.find((x) => x.value === v);
        if (!o) throw new Error(`fake slack: ${id} has no option ${v}`);
        return o;
      };
      let state: Json;
      if (e.type === 'plain_text_input' || e.type === 'number_input')
        state = { type: e.type, value: change !== undefined ? String(change) : ((e.initial_value as string) ?? null) };
      else if (e.type === 'static_select' || e.type === 'radio_buttons')
        state = {
          type: e.type,
          selected_option: change !== undefined ? pick(String(change)) : ((e.initial_option as Json) ?? null),
        };
      else if (e.type === 'checkboxes')
        state = {
          type: e.type,
          selected_options: change !== undefined ? [change].flat().map(pick) : ((e.initial_options as Json[]) ?? []),
        };
      else throw new Error(`fake slack: viewSubmission does not know ${String(e.type)} yet`);
      const empty = state.value === null || state.selected_option === null;
      if (empty && !block.optional) throw new Error(`fake slack: Slack would not submit without ${id}`);
      values[id] = { [String(e.action_id)]: state };
    }
    return {
      type: 'view_submission',
      team: { id: teamId, domain: 'fake-team' },
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: teamId },
      api_app_id: 'A0TEST',
      token: 'fakeVerificationToken0001',
      trigger_id: `${Date.now()}.1.${'0'.repeat(8)}`,
      view: { ...view, state: { values }, previous_view_id: null, app_installed_team_id: teamId },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
  }

  publishedHome(userId: string, teamId = this.teamId): Json | undefined {
    return this.teams.get(teamId).views.get(`home:${userId}`);
  }

  /**
   * The block_actions Slack posts when `user` presses a button on their published Home tab: only a button the tab
   * shows (a section accessory or in an actions block) can be pressed. A Home click has a view container and no
   * channel, message or response_url.
   */
  homeButtonClick(user: string, actionId: string, value?: string, teamId = this.teamId): Json {
    const view = this.publishedHome(user, teamId);
    if (!view) throw new Error(`fake slack: ${user} has no published Home tab`);
    const blocks = (view.blocks as Json[]) ?? [];
    const buttons = blocks.flatMap((b) =>
      [b.accessory as Json | undefined, ...((b.elements as Json[] | undefined) ?? [])]
        .filter((e): e is Json => e?.type === 'button')
        .map((e) => ({ block: b, button: e })),
    );
    const hit = buttons.find(
      (x) => x.button.action_id === actionId && (value === undefined || x.button.value === value),
    );
    if (!hit) throw new Error(`fake slack: ${user}'s Home tab shows no button ${actionId} ${value ?? ''}`);
    return {
      type: 'block_actions',
      user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: teamId },
      api_app_id: 'A0TEST',
      token: 'fakeVerificationToken0001',
      container: { type: 'view', view_id: view.id },
      trigger_id: `${Date.now()}.1.${'0'.repeat(8)}`,
      team: { id: teamId, domain: 'fake-team' },
      enterprise: null,
      is_enterprise_install: false,
      view,
      actions: [
        {
          type: 'button',
          action_id: actionId,
          block_id: hit.block.block_id ?? 'b',
          text: hit.button.text,
          ...(hit.button.value !== undefined ? { value: hit.button.value } : {}),
          ...(hit.button.style ? { style: hit.button.style } : {}),
          action_ts: `${Date.now() / 1000}`,
        },
      ],
    };
  }

  rateLimitedCount(method?: string): number {
    return method ? (this.limiter.limitedByMethod.get(method) ?? 0) : this.limiter.limitedCount;
  }

  /** Clears calls, messages, statuses, rate windows (users, channels and files stay). */
  reset(): void {
    this.calls.length = 0;
    this.downloads.length = 0;
    this.hookMessages.length = 0;
    for (const ws of this.teams.all()) {
      for (const k of ['messages', 'streams', 'statuses', 'prompts', 'titles', 'sessions', 'views', 'unfurls'] as const)
        ws[k].clear();
      ws.ephemerals.length = 0;
      ws.exchangedTriggers.clear();
    }
    this.limiter.reset();
  }

  // ---------- Socket Mode ----------

  /** Sends a Socket Mode envelope whose payload is exactly `payload` (any JSON, for hostile-input tests). */
  socketRaw(type: EnvelopeType, payload: unknown, opts: { timeoutMs?: number } = {}): Promise<EnvelopeResult> {
    return this.socket.send(type, payload, opts);
  }

  /** Sends a Socket Mode envelope; an events_api payload that is a bare event is wrapped first. */
  socketEnvelope(
    type: EnvelopeType,
    payload: Json,
    opts: { retryAttempt?: number; retryReason?: string; timeoutMs?: number } & EnvelopeOptions = {},
  ): Promise<EnvelopeResult> {
    let body = payload;
    if (type === 'events_api' && payload.type !== 'event_callback') {
      const teamId = opts.teamId ?? this.teamId;
      body = buildEventEnvelope(payload, { teamId, authedUserId: this.teams.get(teamId).o.botUserId, ...opts });
    }
    if (type === 'events_api')
      this.recordEvent(body.event as Json, typeof body.team_id === 'string' ? body.team_id : undefined);
    return this.socket.send(type, body, opts);
  }

  socketConnections(): number {
    return this.socket.connections();
  }

  /** Total Socket Mode handshakes so far (grows on reconnect). */
  socketConnectCount(): number {
    return this.socket.connectCount;
  }

  socketAcks(): ReadonlyArray<{ envelope_id: string; payload?: unknown; at: number }> {
    return this.socket.acks;
  }

  /** Sends {type:'disconnect', reason} to every client (they reconnect via apps.connections.open). */
  socketDisconnect(reason = 'refresh_requested'): void {
    this.socket.requestDisconnect(reason);
  }

  /** Resolves once `n` Socket Mode connections are open (checked whenever one opens or closes). */
  waitForSocketConnections(n = 1, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        if (this.socket.connections() < n) return;
        clearTimeout(timer);
        stop();
        resolve();
      };
      const stop = this.socket.onConnectionsChange(done);
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`expected ${n} socket connection(s), have ${this.socket.connections()}`));
      }, timeoutMs);
      done();
    });
  }
}
