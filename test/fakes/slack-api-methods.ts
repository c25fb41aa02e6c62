// Non-chat handlers of the fake Slack Web API: auth, users, conversations, assistant, views, files.
// Shapes follow the response examples in Slack's method docs (mirrored by slack-ruby/slack-api-ref).

import { viewErrors } from './slack-blocks.js';
import { entityProblems } from './slack-entities.js';
import { compareTs, type FakeMessage } from './slack-model.js';
import {
  type Json,
  missingField,
  SESSION_STATUSES,
  SlackApiError,
  tooManyItems,
  type Workspace,
} from './slack-state.js';

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const CREATED = 1_700_000_000;

function userObject(ws: Workspace, id: string): Json {
  const u = ws.users.get(id);
  if (!u) throw new SlackApiError('user_not_found');
  const tz = u.tz ?? 'America/Los_Angeles';
  return {
    id,
    team_id: ws.o.teamId,
    name: u.name,
    deleted: false,
    color: '9f69e7',
    real_name: u.real_name,
    tz,
    tz_label: 'Pacific Standard Time',
    tz_offset: -28800,
    profile: {
      real_name: u.real_name,
      real_name_normalized: u.real_name,
      display_name: u.display_name,
      display_name_normalized: u.display_name,
      ...(u.email !== undefined && ws.o.scopes.includes('users:read.email') ? { email: u.email } : {}),
      image_48: `https://avatars.example.invalid/${id}_48.png`,
      image_72: `https://avatars.example.invalid/${id}_72.png`,
      team: ws.o.teamId,
      ...(u.is_bot ? { bot_id: id === ws.o.botUserId ? ws.o.botId : `B${id.slice(1)}`, always_active: true } : {}),
    },
    is_admin: false,
    is_owner: false,
    is_primary_owner: false,
    is_restricted: false,
    is_ultra_restricted: false,
    is_bot: Boolean(u.is_bot),
    is_app_user: false,
    updated: CREATED,
  };
}

/** Cursor format like Slack's: base64("next_ts:<ts>"). */
const encodeCursor = (ts: string): string => Buffer.from(`next_ts:${ts}`).toString('base64');
function decodeCursor(cursor: unknown): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const raw = Buffer.from(String(cursor), 'base64').toString('utf8');
  const m = /^next_ts:(\d+\.\d{6})$/.exec(raw);
  if (!m) throw new SlackApiError('invalid_cursor');
  return m[1];
}

function pageLimit(args: Json): number {
  const n = args.limit === undefined ? 1000 : Number(args.limit);
  if (!Number.isFinite(n) || n <= 0) return 1000;
  return Math.min(1000, Math.floor(n));
}

function timeFilter(args: Json): (m: FakeMessage) => boolean {
  const inclusive = args.inclusive === true || args.inclusive === 'true' || args.inclusive === '1';
  const oldest = asString(args.oldest) ?? (typeof args.oldest === 'number' ? String(args.oldest) : undefined);
  const latest = asString(args.latest) ?? (typeof args.latest === 'number' ? String(args.latest) : undefined);
  return (m) => {
    if (oldest !== undefined) {
      const d = compareTs(m.ts, oldest);
      if (d < 0 || (d === 0 && !inclusive)) return false;
    }
    if (latest !== undefined) {
      const d = compareTs(m.ts, latest);
      if (d > 0 || (d === 0 && !inclusive)) return false;
    }
    return true;
  };
}

/** Slices a ts-ordered list from the cursor; returns page + next cursor. */
function paginate(ws: Workspace, channel: string, list: FakeMessage[], args: Json, newestFirst: boolean): Json {
  const cursorTs = decodeCursor(args.cursor);
  let start = 0;
  if (cursorTs !== undefined) {
    start = list.findIndex((m) => (newestFirst ? compareTs(m.ts, cursorTs) <= 0 : compareTs(m.ts, cursorTs) >= 0));
    if (start < 0) start = list.length;
  }
  const limit = pageLimit(args);
  const page = list.slice(start, start + limit);
  const next = list[start + limit];
  const out: Json = { messages: page.map((m) => ws.wire(channel, m)), has_more: next !== undefined };
  if (next) out.response_metadata = { next_cursor: encodeCursor(next.ts) };
  return out;
}

function threadKey(args: Json, ws: Workspace): { channel: string; thread: string } {
  const channelId = asString(args.channel_id);
  if (!channelId) throw new SlackApiError('channel_not_found');
  const { id } = ws.channel(channelId);
  const thread = asString(args.thread_ts);
  if (!thread) throw missingField('thread_ts');
  return { channel: id, thread };
}

/** agents.sessions.*: `channel_id`, and `thread_ts` for a thread-based session (every conversation this fake hosts). */
function sessionKey(args: Json, ws: Workspace): { channel: string; thread: string } {
  const channelId = asString(args.channel_id);
  if (!channelId) throw missingField('channel_id');
  const { id } = ws.channel(channelId);
  const thread = asString(args.thread_ts);
  if (!thread) throw missingField('thread_ts');
  return { channel: id, thread };
}

function parseView(v: unknown): Json {
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      throw new SlackApiError('invalid_arguments', ['[ERROR] failed to parse view']);
    }
  }
  if (typeof v !== 'object' || v === null) throw missingField('view');
  const errors = viewErrors(v as Json);
  if (errors.length) throw new SlackApiError('invalid_arguments', errors);
  return v as Json;
}

function viewResult(ws: Workspace, view: Json, type: string): Json {
  const id = ws.nextViewId();
  return {
    id,
    team_id: ws.o.teamId,
    type,
    blocks: view.blocks ?? [],
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    state: { values: {} },
    hash: `${Math.floor(ws.now() / 1000)}.${id}`,
    root_view_id: id,
    app_id: ws.o.appId,
    external_id: view.external_id ?? '',
    bot_id: ws.o.botId,
    ...(view.title ? { title: view.title } : {}),
    ...(view.submit ? { submit: view.submit } : {}),
  };
}

/** trigger_ids are "<issued ms>.<n>.<hex>"; Slack expires them after 3 s and allows one use. */
export const TRIGGER_ID_TTL_MS = 3000;

const truthy = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;

/** Methods that need a scope the token may lack: Slack answers missing_scope with what was needed and granted. */
function requireScope(ws: Workspace, scope: string): void {
  if (!ws.o.scopes.includes(scope))
    throw new SlackApiError('missing_scope', undefined, { needed: scope, provided: ws.o.scopes.join(',') });
}

/** A user group the way usergroups.list shows it (https://docs.slack.dev/reference/methods/usergroups.list). */
function userGroupObject(ws: Workspace, id: string, includeUsers: boolean): Json {
  const g = ws.userGroups.get(id)!;
  return {
    id,
    team_id: ws.o.teamId,
    is_usergroup: true,
    is_subteam: true,
    name: g.name,
    description: '',
    handle: g.handle,
    is_external: false,
    date_create: CREATED,
    date_update: g.updated,
    date_delete: g.disabled ? g.updated : 0,
    auto_type: null,
    auto_provision: false,
    enterprise_subteam_id: '',
    created_by: 'U0CREATOR',
    updated_by: 'U0CREATOR',
    deleted_by: null,
    prefs: { channels: [], groups: [] },
    user_count: g.users.length,
    ...(includeUsers ? { users: [...g.users] } : {}),
  };
}

export const otherHandlers: Record<string, (args: Json, ws: Workspace) => Json> = {
  // https://docs.slack.dev/reference/methods/usergroups.list: enabled groups unless include_disabled; members only
  // with include_users. Needs usergroups:read.
  'usergroups.list'(args, ws) {
    requireScope(ws, 'usergroups:read');
    const ids = [...ws.userGroups.keys()].filter(
      (id) => truthy(args.include_disabled) || !ws.userGroups.get(id)!.disabled,
    );
    return { usergroups: ids.map((id) => userGroupObject(ws, id, truthy(args.include_users))) };
  },

  // https://docs.slack.dev/reference/methods/usergroups.users.list: the member ids; a disabled group is
  // no_such_subteam unless include_disabled.
  'usergroups.users.list'(args, ws) {
    requireScope(ws, 'usergroups:read');
    const id = asString(args.usergroup);
    if (!id) throw missingField('usergroup');
    const g = ws.userGroups.get(id);
    if (!g || (g.disabled && !truthy(args.include_disabled))) throw new SlackApiError('no_such_subteam');
    return { users: [...g.users] };
  },

  // https://docs.slack.dev/reference/methods/users.list: paginated by cursor (limit ≤ 1000). Needs users:read.
  'users.list'(args, ws) {
    requireScope(ws, 'users:read');
    const ids = [...ws.users.keys()].sort();
    const start = args.cursor
      ? Number(
          Buffer.from(String(args.cursor), 'base64')
            .toString('utf8')
            .replace(/^user:/, ''),
        )
      : 0;
    if (!Number.isInteger(start) || start < 0) throw new SlackApiError('invalid_cursor');
    const limit = pageLimit(args);
    const page = ids.slice(start, start + limit);
    const more = start + limit < ids.length;
    return {
      members: page.map((id) => userObject(ws, id)),
      cache_ts: Math.floor(ws.now() / 1000),
      response_metadata: { next_cursor: more ? Buffer.from(`user:${start + limit}`).toString('base64') : '' },
    };
  },

  // https://docs.slack.dev/reference/methods/bots.info: the bot's app_id and user_id (needs users:read).
  'bots.info'(args, ws) {
    if (args.bot !== ws.o.botId) throw new SlackApiError('bot_not_found');
    return {
      bot: {
        id: ws.o.botId,
        deleted: false,
        name: ws.o.botName,
        updated: Math.floor(CREATED),
        app_id: ws.o.appId,
        user_id: ws.o.botUserId,
        icons: { image_36: 'https://a.slack-edge.com/bot_36.png', image_48: 'https://a.slack-edge.com/bot_48.png' },
      },
    };
  },

  // https://docs.slack.dev/reference/methods/api.test: echoes its arguments; `error` makes it fail with that code.
  'api.test'(args) {
    if (typeof args.error === 'string' && args.error) throw new SlackApiError(args.error);
    return { args };
  },

  'auth.test'(_args, ws) {
    return {
      url: `https://${ws.o.teamDomain}.slack.com/`,
      team: ws.o.teamName,
      user: ws.o.botName,
      team_id: ws.o.teamId,
      user_id: ws.o.botUserId,
      bot_id: ws.o.botId,
      is_enterprise_install: false,
    };
  },

  // https://docs.slack.dev/reference/methods/users.info: `locale` is in the user object only with include_locale.
  'users.info'(args, ws) {
    const user = asString(args.user);
    if (!user) throw new SlackApiError('user_not_found');
    const withLocale = args.include_locale === true || args.include_locale === 'true';
    const found = userObject(ws, user);
    return { user: withLocale ? { ...found, locale: ws.users.get(user)?.locale ?? 'en-US' } : found };
  },

  // https://docs.slack.dev/reference/methods/conversations.open: `users` is a comma-separated list; one user opens
  // (or resumes) the 1:1 DM with the bot, which needs im:write. The same user always gets the same channel.
  'conversations.open'(args, ws) {
    if (!ws.o.scopes.includes('im:write')) throw new SlackApiError('missing_scope');
    const users = asString(args.users)?.split(',').filter(Boolean) ?? [];
    if (!users.length) throw new SlackApiError('users_list_not_supplied');
    if (users.length > 1) throw new SlackApiError('method_not_supported_for_channel_type');
    const user = users[0]!;
    if (!ws.users.has(user)) throw new SlackApiError('user_not_found');
    const existing = [...ws.channels].find(([, c]) => c.is_im && c.user === user);
    const id = existing?.[0] ?? `D0${user.slice(1)}`;
    if (!existing) ws.adopt(id, { name: id.toLowerCase(), is_im: true, user });
    return { channel: { id } };
  },

  'conversations.info'(args, ws) {
    const { id, info } = ws.channel(args.channel);
    if (info.is_im) {
      return {
        channel: {
          id,
          created: CREATED,
          is_im: true,
          is_org_shared: false,
          user: info.user ?? '',
          is_user_deleted: false,
          priority: 0,
        },
      };
    }
    return {
      channel: {
        id,
        name: info.name,
        name_normalized: info.name,
        is_channel: !info.is_private,
        is_group: Boolean(info.is_private),
        is_im: false,
        is_mpim: false,
        is_private: Boolean(info.is_private),
        created: CREATED,
        is_archived: false,
        is_general: info.name === 'general',
        is_member: true,
        is_shared: Boolean(info.is_ext_shared),
        is_ext_shared: Boolean(info.is_ext_shared),
        is_pending_ext_shared: false,
        is_org_shared: false,
        context_team_id: ws.o.teamId,
        topic: { value: '', creator: '', last_set: 0 },
        purpose: { value: '', creator: '', last_set: 0 },
      },
    };
  },

  'conversations.replies'(args, ws) {
    const { id } = ws.channel(args.channel);
    const ts = asString(args.ts);
    if (!ts) throw new SlackApiError('thread_not_found');
    const hit = ws.find(id, ts);
    const root = hit?.thread_ts ?? ts;
    const thread = ws.list(id).filter((m) => m.ts === root || m.thread_ts === root);
    if (!thread.length) throw new SlackApiError('thread_not_found');
    return paginate(ws, id, thread.filter(timeFilter(args)), args, false);
  },

  'conversations.history'(args, ws) {
    const { id } = ws.channel(args.channel);
    const top = ws
      .list(id)
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast')
      .filter(timeFilter(args))
      .reverse();
    return paginate(ws, id, top, args, true);
  },

  'assistant.threads.setStatus'(args, ws) {
    const { channel, thread } = threadKey(args, ws);
    if (args.status === undefined) throw missingField('status');
    const loading = Array.isArray(args.loading_messages) ? (args.loading_messages as string[]) : undefined;
    if (loading && loading.length > 10) throw tooManyItems(10, 'loading_messages');
    const status = String(args.status);
    if (status === '') ws.statuses.delete(`${channel}:${thread}`);
    else
      ws.statuses.set(`${channel}:${thread}`, {
        status,
        ...(loading ? { loading_messages: loading } : {}),
        at: ws.now(),
      });
    return {};
  },

  'assistant.threads.setSuggestedPrompts'(args, ws) {
    const channelId = asString(args.channel_id);
    if (!channelId) throw new SlackApiError('channel_not_found');
    const { id } = ws.channel(channelId);
    const prompts = args.prompts;
    if (!Array.isArray(prompts)) throw missingField('prompts');
    if (prompts.length > 4) throw tooManyItems(4, 'prompts');
    prompts.forEach((p, i) => {
      const o = p as Json;
      if (typeof o?.title !== 'string') throw missingField(`prompts/${i}/title`);
      if (typeof o?.message !== 'string') throw missingField(`prompts/${i}/message`);
    });
    const title = asString(args.title);
    ws.prompts.set(`${id}:${asString(args.thread_ts) ?? ''}`, {
      ...(title !== undefined ? { title } : {}),
      prompts: prompts as Array<{ title: string; message: string }>,
    });
    return {};
  },

  'assistant.threads.setTitle'(args, ws) {
    const { channel, thread } = threadKey(args, ws);
    const title = asString(args.title);
    if (title === undefined) throw missingField('title');
    ws.titles.set(`${channel}:${thread}`, title);
    return {};
  },

  // https://docs.slack.dev/reference/methods/agents.sessions.setStatus (web-api 8 AgentsSessionsSetStatusArguments):
  // the lifecycle status of a thread-based session (thread_ts required outside session channels); `title` and
  // `initiator_user_id` only count when the call creates the session. chat:write, Tier 3.
  'agents.sessions.setStatus'(args, ws) {
    const { channel, thread } = sessionKey(args, ws);
    const status = asString(args.status);
    if (status === undefined) throw missingField('status');
    if (!SESSION_STATUSES.includes(status)) throw new SlackApiError('invalid_arguments', [`[ERROR] invalid status`]);
    const title = asString(args.title);
    if (title !== undefined && title.length > 200)
      throw new SlackApiError('invalid_arguments', ['[ERROR] title too long']);
    const key = `${channel}:${thread}`;
    const session = ws.sessions.get(key);
    if (session) session.status = status;
    else ws.sessions.set(key, { status, ...(title ? { title } : {}), history: [] });
    ws.sessions.get(key)!.history.push(status);
    return { status };
  },

  // https://docs.slack.dev/reference/methods/agents.sessions.rename: a title of 1-200 characters.
  'agents.sessions.rename'(args, ws) {
    const { channel, thread } = sessionKey(args, ws);
    const title = asString(args.title);
    if (title === undefined) throw missingField('title');
    if (title.length < 1 || title.length > 200)
      throw new SlackApiError('invalid_arguments', ['[ERROR] title must be 1-200 characters']);
    const key = `${channel}:${thread}`;
    const session = ws.sessions.get(key);
    if (session) session.title = title;
    else ws.sessions.set(key, { status: 'active', title, history: [] });
    return { title };
  },

  'views.publish'(args, ws) {
    const user = asString(args.user_id);
    if (!user) throw missingField('user_id');
    const view = parseView(args.view);
    if (JSON.stringify(view).length > 250_000) throw new SlackApiError('view_too_large');
    const result = viewResult(ws, view, String(view.type ?? 'home'));
    ws.views.set(`home:${user}`, result);
    return { view: result };
  },

  'views.open'(args, ws) {
    const trigger = asString(args.trigger_id);
    if (!trigger) throw missingField('trigger_id');
    const m = /^(\d+)\.\d+\.[0-9a-f]+$/.exec(trigger);
    if (!m) throw new SlackApiError('invalid_trigger_id');
    if (ws.exchangedTriggers.has(trigger)) throw new SlackApiError('exchanged_trigger_id');
    if (ws.now() - Number(m[1]) > TRIGGER_ID_TTL_MS) throw new SlackApiError('expired_trigger_id');
    ws.exchangedTriggers.add(trigger);
    const view = parseView(args.view);
    const result = viewResult(ws, view, String(view.type ?? 'modal'));
    ws.views.set(result.id as string, result);
    return { view: result };
  },

  // https://docs.slack.dev/reference/methods/views.update: the view by view_id (or external_id), unknown ones
  // not_found; a hash from before the latest change is refused (hash_conflict). The id stays, the hash changes.
  'views.update'(args, ws) {
    const viewId = asString(args.view_id);
    const externalId = asString(args.external_id);
    if (!viewId && !externalId) throw missingField('view_id');
    const entry = [...ws.views].find(([, v]) => (viewId ? v.id === viewId : v.external_id === externalId));
    if (!entry) throw new SlackApiError('not_found');
    const [key, current] = entry;
    const hash = asString(args.hash);
    if (hash && hash !== current.hash) throw new SlackApiError('hash_conflict');
    const view = parseView(args.view);
    if (JSON.stringify(view).length > 250_000) throw new SlackApiError('view_too_large');
    const result: Json = {
      ...viewResult(ws, view, String(current.type)),
      id: current.id,
      root_view_id: current.root_view_id,
      hash: `${Math.floor(ws.now() / 1000)}.${String(current.id)}.${ws.nextViewId()}`,
    };
    ws.views.set(key, result);
    return { view: result };
  },

  // https://docs.slack.dev/reference/methods/reactions.add: needs reactions:write; one reaction per name and user
  // (already_reacted), names without colons (invalid_name), the item by channel + timestamp (no_item_specified).
  'reactions.add'(args, ws) {
    if (!ws.o.scopes.includes('reactions:write')) throw new SlackApiError('missing_scope');
    const name = asString(args.name);
    if (!name) throw missingField('name');
    const { id } = ws.channel(args.channel);
    const ts = asString(args.timestamp);
    if (!ts) throw new SlackApiError('no_item_specified');
    const m = ws.find(id, ts);
    if (!m) throw new SlackApiError('message_not_found');
    if (!/^[a-z0-9_+'-]+$/.test(name)) throw new SlackApiError('invalid_name');
    const reactions = (m.reactions ??= []);
    const existing = reactions.find((r) => r.name === name);
    if (existing?.users.includes(ws.o.botUserId)) throw new SlackApiError('already_reacted');
    if (!existing && reactions.length >= 23) throw new SlackApiError('too_many_reactions');
    if (existing) existing.users.push(ws.o.botUserId);
    else reactions.push({ name, users: [ws.o.botUserId] });
    return {};
  },

  // https://docs.slack.dev/reference/methods/entity.presentDetails: answers one entity_details_requested, by its
  // trigger_id (once, within its 3 s); the metadata must be the entity the viewer opened, or an error is shown.
  'entity.presentDetails'(args, ws) {
    const trigger = asString(args.trigger_id);
    if (!trigger) throw missingField('trigger_id');
    const issued = ws.entityTriggers.get(trigger);
    const m = /^(\d+)\.\d+\.[0-9a-f]+$/.exec(trigger);
    if (!issued || !m) throw new SlackApiError('invalid_trigger_id');
    if (ws.exchangedTriggers.has(trigger)) throw new SlackApiError('exchanged_trigger_id');
    if (ws.now() - Number(m[1]) > TRIGGER_ID_TTL_MS) throw new SlackApiError('expired_trigger_id');
    const metadata = args.metadata as Json | undefined;
    const error = args.error as Json | undefined;
    if (!metadata && !error) throw missingField('metadata');
    if (metadata) {
      if (entityProblems(metadata).length) throw new SlackApiError('invalid_metadata');
      if ((metadata.external_ref as Json).id !== issued.entityId)
        throw new SlackApiError('entity_metadata_does_not_match_trigger');
    }
    if (error && typeof error.status !== 'string') throw missingField('error.status');
    ws.exchangedTriggers.add(trigger);
    ws.presented.push({
      user: issued.user,
      entityId: issued.entityId,
      ...(metadata ? { metadata } : { error: error! }),
    });
    return {};
  },

  'files.info'(args, ws) {
    const id = asString(args.file);
    if (!id) throw missingField('file');
    const f = ws.files.get(id);
    if (!f) throw new SlackApiError('file_not_found');
    return { file: f.object, comments: [], response_metadata: { next_cursor: '' } };
  },
};
