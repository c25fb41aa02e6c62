// In-memory workspace behind the fake Slack Web API, plus the error type handlers throw.
import {
  compareTs,
  type FakeChannel,
  type FakeMessage,
  type FakeUser,
  type StoredFile,
  type StreamInfo,
  TsClock,
} from './slack-model.js';

export type Json = Record<string, unknown>;

/** Thrown by a method handler; becomes HTTP 200 `{ok:false, error}` (+ response_metadata.messages). */
export class SlackApiError extends Error {
  constructor(
    readonly code: string,
    readonly messages?: string[],
    /** Further top-level fields Slack sends with this error (missing_scope: needed, provided). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(code);
  }
}

/** An agent session's lifecycle statuses (agents.sessions.setStatus `status`, chat.stopStream `session_status`). */
export const SESSION_STATUSES = ['active', 'processing', 'suspended', 'closed'];

export const missingField = (name: string): SlackApiError =>
  new SlackApiError('invalid_arguments', [`[ERROR] missing required field: ${name}`]);

export const tooManyItems = (max: number, pointer: string): SlackApiError =>
  new SlackApiError('invalid_arguments', [`[ERROR] no more than ${max} items allowed [json-pointer:/${pointer}]`]);

export interface WorkspaceOptions {
  teamId: string;
  teamName: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
  botName: string;
  /** Stream expires this long after chat.startStream (append/stop then fail). */
  streamExpiryMs?: number;
  /** Stream expires after this long without start/append activity. */
  streamIdleExpiryMs?: number;
  /** Cumulative text one streamed message can hold before appendStream fails with msg_too_long. */
  streamMaxChars: number;
  /** When false, unknown ids shaped like C…/G…/D… are accepted as channels the bot is in. */
  strictChannels: boolean;
  now: () => number;
  /** Bot token scopes; users.info shows profile.email only with users:read.email, like Slack. */
  scopes: string[];
  /**
   * Channel id → owning team, shared by every workspace of one FakeSlack. Channel ids are global in Slack, so a
   * channel another workspace owns is `channel_not_found` here, never auto-created (default: this workspace only).
   */
  channelOwners?: Map<string, string>;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  fallback?: string;
  message_ts: string;
}

export interface ThreadStatus {
  status: string;
  loading_messages?: string[];
  at: number;
}

/** A Slack user group (subteam), as usergroups.list shows it. */
export interface FakeUserGroup {
  handle: string;
  name: string;
  users: string[];
  /** Disabled groups are left out of usergroups.list and refused by usergroups.users.list unless asked for. */
  disabled?: boolean;
  updated: number;
}

export class Workspace {
  readonly users = new Map<string, FakeUser>();
  readonly userGroups = new Map<string, FakeUserGroup>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages = new Map<string, FakeMessage[]>();
  readonly streams = new Map<string, StreamInfo>();
  readonly statuses = new Map<string, ThreadStatus>();
  readonly prompts = new Map<string, { title?: string; prompts: Array<{ title: string; message: string }> }>();
  readonly titles = new Map<string, string>();
  /** Agent sessions by "<channel>:<thread_ts>": their status now, every status set in order, their title. */
  readonly sessions = new Map<string, { status: string; history: string[]; title?: string }>();

  /**
   * A call other than agents.sessions.setStatus set the status of the session of `channel`'s thread `threadTs`
   * (chat.stopStream's session_status); a thread without a session keeps having none.
   */
  setSessionStatus(channel: string, threadTs: string, status: string): void {
    const session = this.sessions.get(`${channel}:${threadTs}`);
    if (!session) return;
    session.status = status;
    session.history.push(status);
  }
  readonly views = new Map<string, Json>();
  /** Work Objects chat.unfurl attached, by "<channel>:<ts>" (or the unfurl_id of a composer preview). */
  readonly unfurls = new Map<string, Json[]>();
  /** unfurl_ids Slack issued with link_shared: the message ("<channel>:<ts>") they stand for. */
  readonly unfurlIds = new Map<string, string>();
  /** trigger_ids Slack issued with entity_details_requested: the entity (external_ref.id) and the viewer. */
  readonly entityTriggers = new Map<string, { entityId: string; user: string }>();
  /** What entity.presentDetails showed, per trigger, in order. */
  readonly presented: Array<{ user: string; entityId: string; metadata?: Json; error?: Json }> = [];
  /**
   * Set to an error code to play a workspace (or client) that does not take stream chunks: any stream call that
   * carries them is refused with it, as a whole.
   */
  refusesChunks: string | undefined;
  readonly ephemerals: FakeEphemeral[] = [];
  readonly files = new Map<string, StoredFile>();
  readonly exchangedTriggers = new Set<string>();
  readonly ts = new TsClock();
  private viewSeq = 0;
  private readonly owners: Map<string, string>;

  constructor(readonly o: WorkspaceOptions) {
    this.owners = o.channelOwners ?? new Map();
  }

  /** Makes a channel this workspace's (test fixtures); a channel id can belong to one workspace only. */
  adopt(id: string, info?: FakeChannel): void {
    const owner = this.owners.get(id);
    if (owner !== undefined && owner !== this.o.teamId) {
      throw new Error(
        `fake slack: channel ${id} belongs to workspace ${owner}, not ${this.o.teamId}; use globally unique channel ids`,
      );
    }
    this.owners.set(id, this.o.teamId);
    if (info) this.channels.set(id, info);
  }

  now(): number {
    return this.o.now();
  }

  nextViewId(): string {
    this.viewSeq += 1;
    return `V0FAKE${String(this.viewSeq).padStart(5, '0')}`;
  }

  /** Resolves a channel id (or #name / name) the way chat.postMessage does. */
  channel(idOrName: unknown): { id: string; info: FakeChannel } {
    if (typeof idOrName !== 'string' || idOrName === '') throw new SlackApiError('channel_not_found');
    const known = this.channels.get(idOrName);
    if (known) return { id: idOrName, info: known };
    const byName = [...this.channels].find(([, c]) => `#${c.name}` === idOrName || c.name === idOrName);
    if (byName) return { id: byName[0], info: byName[1] };
    const owner = this.owners.get(idOrName);
    if (owner !== undefined && owner !== this.o.teamId) throw new SlackApiError('channel_not_found');
    // A user id posts in the app's DM with that person (Slack opens it); the answer names the DM's D… id.
    if (/^[UW][A-Z0-9]+$/.test(idOrName)) return this.channel(`D${idOrName}`);
    if (!this.o.strictChannels && /^[CGD][A-Z0-9]{2,}$/.test(idOrName)) {
      const info: FakeChannel = { name: idOrName.toLowerCase(), is_im: idOrName.startsWith('D') };
      this.adopt(idOrName, info);
      return { id: idOrName, info };
    }
    throw new SlackApiError('channel_not_found');
  }

  list(channel: string): FakeMessage[] {
    let l = this.messages.get(channel);
    if (!l) {
      l = [];
      this.messages.set(channel, l);
    }
    return l;
  }

  insert(channel: string, msg: FakeMessage): FakeMessage {
    this.adopt(channel);
    this.ts.observe(msg.ts);
    const l = this.list(channel);
    l.push(msg);
    l.sort((a, b) => compareTs(a.ts, b.ts));
    return msg;
  }

  find(channel: string, ts: unknown): FakeMessage | undefined {
    return typeof ts === 'string' ? this.messages.get(channel)?.find((m) => m.ts === ts) : undefined;
  }

  isBot(m: FakeMessage): boolean {
    return m.user === this.o.botUserId && m.bot_id === this.o.botId;
  }

  /** Applies server-side stream expiry lazily; returns the (possibly updated) stream state. */
  refreshStream(channel: string, m: FakeMessage): void {
    if (m.streaming_state !== 'in_progress') return;
    const s = this.streams.get(`${channel}:${m.ts}`);
    if (!s) return;
    const now = this.now();
    const { streamExpiryMs, streamIdleExpiryMs } = this.o;
    const expired =
      (streamExpiryMs !== undefined && now - s.startedAt >= streamExpiryMs) ||
      (streamIdleExpiryMs !== undefined && now - s.lastActivityAt >= streamIdleExpiryMs);
    if (expired) m.streaming_state = 'errored';
  }

  /** A bot message in a thread clears the assistant status, as in Slack. */
  clearStatus(channel: string, threadTs: string | undefined): void {
    if (threadTs) this.statuses.delete(`${channel}:${threadTs}`);
  }

  /** Serializes a stored message the way conversations.* / chat.* responses show it. */
  wire(channel: string, m: FakeMessage): Json {
    const out: Json = { type: 'message', user: m.user, text: m.text, ts: m.ts, team: this.o.teamId };
    if (m.bot_id) {
      out.bot_id = m.bot_id;
      out.app_id = this.o.appId;
      out.bot_profile = {
        id: m.bot_id,
        app_id: this.o.appId,
        name: this.o.botName,
        deleted: false,
        team_id: this.o.teamId,
      };
    }
    if (m.client_msg_id) out.client_msg_id = m.client_msg_id;
    if (m.subtype) out.subtype = m.subtype;
    if (m.blocks) out.blocks = m.blocks;
    if (m.files) out.files = m.files;
    if (m.metadata) out.metadata = m.metadata;
    if (m.streaming_state) out.streaming_state = m.streaming_state;
    if (m.reactions?.length)
      out.reactions = m.reactions.map((r) => ({ name: r.name, users: [...r.users], count: r.users.length }));
    if (m.edits > 0) out.edited = { user: m.user, ts: m.ts };
    if (m.thread_ts) {
      out.thread_ts = m.thread_ts;
      if (m.thread_ts === m.ts) {
        const replies = this.list(channel).filter((r) => r.thread_ts === m.ts && r.ts !== m.ts);
        out.reply_count = replies.length;
        out.reply_users = [...new Set(replies.map((r) => r.user))];
        out.reply_users_count = (out.reply_users as string[]).length;
        if (replies.length) out.latest_reply = replies[replies.length - 1]!.ts;
      } else {
        const root = this.find(channel, m.thread_ts);
        if (root) out.parent_user_id = root.user;
      }
    }
    return out;
  }
}
