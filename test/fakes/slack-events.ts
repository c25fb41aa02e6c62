// Deliver Events API / interactivity / slash-command requests the way Slack does, and build
// realistic event payloads.
//
// Signing: X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, "v0:{timestamp}:{rawBody}")), with
// X-Slack-Request-Timestamp in seconds; Bolt rejects timestamps older than 5 minutes
// (bolt-js src/receivers/verify-request.ts). Retries carry X-Slack-Retry-Num / X-Slack-Retry-Reason.
// Envelope fields follow https://docs.slack.dev/reference/events/app_mention (event_callback).
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { TsClock } from './slack-model.js';

type Json = Record<string, unknown>;

export const FAKE_APP_ID = 'A0TEST';
export const FAKE_VERIFICATION_TOKEN = 'fakeVerificationToken0001';
const clock = new TsClock();

export function signRequest(signingSecret: string, rawBody: string, timestamp: number): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** A fresh Slack-looking ts ("<unix seconds>.<6 digits>"), increasing. */
export const nextTs = (): string => clock.next();

export const newEventId = (): string => `Ev${randomBytes(5).toString('hex').toUpperCase()}`;

/** "<issued ms>.<n>.<hex>"; the fake's views.open rejects it 3 s after issue, like Slack. */
export const newTriggerId = (): string =>
  `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomBytes(10).toString('hex')}`;

export interface EnvelopeOptions {
  teamId?: string;
  /** user_id of the installing bot in `authorizations` (default 'UBOT'). */
  authedUserId?: string;
  eventId?: string;
  eventTime?: number;
}

/** Wraps an event in the event_callback envelope used by both HTTP and Socket Mode. */
export function buildEventEnvelope(event: Json, opts: EnvelopeOptions = {}): Json {
  const teamId = opts.teamId ?? 'T0TEST';
  const ev: Json = { ...event };
  if (ev.event_ts === undefined) ev.event_ts = typeof ev.ts === 'string' ? ev.ts : nextTs();
  const eventContext = Buffer.from(JSON.stringify({ tid: teamId, aid: FAKE_APP_ID, eid: randomUUID() })).toString(
    'base64',
  );
  return {
    token: FAKE_VERIFICATION_TOKEN,
    team_id: teamId,
    context_team_id: teamId,
    context_enterprise_id: null,
    api_app_id: FAKE_APP_ID,
    event: ev,
    type: 'event_callback',
    event_id: opts.eventId ?? newEventId(),
    event_time: opts.eventTime ?? Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: teamId,
        user_id: opts.authedUserId ?? 'UBOT',
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${eventContext}`,
  };
}

export interface DeliveryOptions {
  signingSecret: string;
  teamId?: string;
  /** Request timestamp in seconds (default now); use an old one to test staleness checks. */
  timestamp?: number;
  badSignature?: boolean;
  retryNum?: number;
  retryReason?: string;
}

export interface SendEventOptions extends DeliveryOptions {
  eventId?: string;
  authedUserId?: string;
  /** A FakeSlack (or anything with recordEvent) that should also store the user's message. */
  recordTo?: { recordEvent(event: Json, teamId?: string): void };
}

export interface DeliveryResult {
  status: number;
  body: string;
  headers: Record<string, string>;
  elapsedMs: number;
}

/** Posts any body, signed as Slack signs it (hostile-input tests send shapes Slack never would). */
export async function deliver(
  url: string,
  rawBody: string,
  contentType: string,
  o: DeliveryOptions,
): Promise<DeliveryResult> {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  let signature = signRequest(o.signingSecret, rawBody, timestamp);
  if (o.badSignature) signature = signRequest(`${o.signingSecret}-wrong`, rawBody, timestamp);
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'X-Slack-Request-Timestamp': String(timestamp),
    'X-Slack-Signature': signature,
  };
  if (o.retryNum !== undefined) {
    headers['X-Slack-Retry-Num'] = String(o.retryNum);
    headers['X-Slack-Retry-Reason'] = o.retryReason ?? 'http_timeout';
  }
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body: rawBody, redirect: 'manual' });
  const body = await res.text();
  return {
    status: res.status,
    body,
    headers: Object.fromEntries(res.headers.entries()),
    elapsedMs: performance.now() - started,
  };
}

export async function sendEvent(
  url: string,
  event: Json,
  opts: SendEventOptions,
): Promise<DeliveryResult & { eventId: string }> {
  const envelope = buildEventEnvelope(event, opts);
  opts.recordTo?.recordEvent(envelope.event as Json, envelope.team_id as string);
  const result = await deliver(url, JSON.stringify(envelope), 'application/json', opts);
  return { ...result, eventId: envelope.event_id as string };
}

/** Interactivity request: form-encoded `payload=<json>`. */
export function sendInteraction(url: string, payload: Json, opts: DeliveryOptions): Promise<DeliveryResult> {
  const raw = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return deliver(url, raw, 'application/x-www-form-urlencoded', opts);
}

export interface SlashCommandFields {
  command: string;
  text?: string;
  user_id: string;
  channel_id: string;
  user_name?: string;
  channel_name?: string;
  team_domain?: string;
  response_url?: string;
  trigger_id?: string;
}

/** Slash command fields as Slack posts them (all strings). */
export function slashCommandBody(f: SlashCommandFields, teamId = 'T0TEST'): Record<string, string> {
  return {
    token: FAKE_VERIFICATION_TOKEN,
    team_id: teamId,
    team_domain: f.team_domain ?? 'fake-team',
    channel_id: f.channel_id,
    channel_name: f.channel_name ?? (f.channel_id.startsWith('D') ? 'directmessage' : 'general'),
    user_id: f.user_id,
    user_name: f.user_name ?? f.user_id.toLowerCase(),
    command: f.command,
    text: f.text ?? '',
    api_app_id: FAKE_APP_ID,
    is_enterprise_install: 'false',
    response_url:
      f.response_url ?? `https://hooks.slack.com/commands/${teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`,
    trigger_id: f.trigger_id ?? newTriggerId(),
  };
}

export function sendSlashCommand(
  url: string,
  fields: SlashCommandFields,
  opts: DeliveryOptions,
): Promise<DeliveryResult> {
  const raw = new URLSearchParams(slashCommandBody(fields, opts.teamId)).toString();
  return deliver(url, raw, 'application/x-www-form-urlencoded', opts);
}

// ---------- payload builders ----------

/** rich_text block the Slack client attaches to a typed message (mentions, channels, links). */
export function richTextBlocks(text: string): Json[] {
  const elements: Json[] = [];
  const re = /<@([UW][A-Z0-9]+)>|<#(C[A-Z0-9]+)(?:\|[^>]*)?>|<(https?:[^>|]+)(?:\|([^>]*))?>/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) elements.push({ type: 'text', text: text.slice(last, m.index) });
    if (m[1]) elements.push({ type: 'user', user_id: m[1] });
    else if (m[2]) elements.push({ type: 'channel', channel_id: m[2] });
    else elements.push({ type: 'link', url: m[3], ...(m[4] ? { text: m[4] } : {}) });
    last = m.index + m[0].length;
  }
  if (last < text.length) elements.push({ type: 'text', text: text.slice(last) });
  return [
    {
      type: 'rich_text',
      block_id: randomBytes(3).toString('base64url'),
      elements: [{ type: 'rich_text_section', elements }],
    },
  ];
}

export interface MentionInput {
  user: string;
  channel: string;
  text: string;
  ts?: string;
  thread_ts?: string;
  files?: unknown[];
  team?: string;
  /**
   * The author's own team in a Slack Connect channel (another organisation's): Slack then adds `user_team` and
   * `source_team` to the event, and `team` is the author's team.
   */
  userTeam?: string;
}

/** The fields Slack adds to an event whose author belongs to another team (Slack Connect). */
const connectFields = (i: MentionInput): Json =>
  i.userTeam ? { team: i.userTeam, user_team: i.userTeam, source_team: i.userTeam } : {};

/** app_mention event (never sent for DMs). */
export function appMention(i: MentionInput): Json {
  const ts = i.ts ?? nextTs();
  return {
    type: 'app_mention',
    user: i.user,
    ts,
    client_msg_id: randomUUID(),
    text: i.text,
    team: i.team ?? 'T0TEST',
    blocks: richTextBlocks(i.text),
    channel: i.channel,
    ...(i.thread_ts ? { thread_ts: i.thread_ts } : {}),
    ...(i.files?.length ? { files: i.files, upload: false, display_as_bot: false } : {}),
    event_ts: ts,
    ...connectFields(i),
  };
}

export interface MessageInput extends MentionInput {
  channel_type?: 'im' | 'channel' | 'group' | 'mpim' | 'app_home';
  subtype?: string;
  bot_id?: string;
}

/** `message` event as delivered for message.im / message.channels / message.groups. */
export function messageEvent(i: MessageInput): Json {
  const ts = i.ts ?? nextTs();
  const channelType =
    i.channel_type ?? (i.channel.startsWith('D') ? 'im' : i.channel.startsWith('G') ? 'group' : 'channel');
  const subtype = i.subtype ?? (i.files?.length ? 'file_share' : undefined);
  const ev: Json = { type: 'message' };
  if (subtype) ev.subtype = subtype;
  ev.text = i.text;
  if (i.files?.length) Object.assign(ev, { files: i.files, upload: false, display_as_bot: false });
  ev.user = i.user;
  if (i.bot_id) {
    ev.bot_id = i.bot_id;
    ev.app_id = 'A0OTHER';
    ev.bot_profile = { id: i.bot_id, app_id: 'A0OTHER', name: 'otherbot', deleted: false, team_id: i.team ?? 'T0TEST' };
  } else if (subtype !== 'bot_message') {
    ev.client_msg_id = randomUUID();
  }
  Object.assign(ev, {
    ts,
    team: i.team ?? 'T0TEST',
    blocks: richTextBlocks(i.text),
    channel: i.channel,
    event_ts: ts,
    channel_type: channelType,
    ...connectFields(i),
  });
  if (i.thread_ts) Object.assign(ev, { thread_ts: i.thread_ts, parent_user_id: i.user });
  return ev;
}

export interface BlockActionInput {
  user: string;
  channel: string;
  message_ts: string;
  action_id: string;
  value?: string;
  /** Element type, e.g. 'button' or 'feedback_buttons'. */
  type?: string;
  block_id?: string;
  thread_ts?: string;
  message?: Json;
  team?: string;
}

/** block_actions payload (e.g. a feedback button click). */
export function blockActionPayload(i: BlockActionInput): Json {
  const team = i.team ?? 'T0TEST';
  return {
    type: 'block_actions',
    user: { id: i.user, username: i.user.toLowerCase(), name: i.user.toLowerCase(), team_id: team },
    api_app_id: FAKE_APP_ID,
    token: FAKE_VERIFICATION_TOKEN,
    container: {
      type: 'message',
      message_ts: i.message_ts,
      channel_id: i.channel,
      is_ephemeral: false,
      ...(i.thread_ts ? { thread_ts: i.thread_ts } : {}),
    },
    trigger_id: newTriggerId(),
    team: { id: team, domain: 'fake-team' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: i.channel, name: i.channel.startsWith('D') ? 'directmessage' : 'general' },
    message: i.message ?? { type: 'message', ts: i.message_ts, user: 'UBOT', bot_id: 'BBOT', text: '' },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${team}/${Date.now()}/${randomBytes(12).toString('hex')}`,
    actions: [
      {
        type: i.type ?? 'button',
        action_id: i.action_id,
        block_id: i.block_id ?? randomBytes(3).toString('base64url'),
        ...(i.value !== undefined ? { value: i.value } : {}),
        action_ts: nextTs(),
      },
    ],
  };
}

/** app_home_opened as delivered when someone opens the app's Home or Messages tab. */
export function appHomeOpened(i: {
  user: string;
  channel: string;
  tab: 'home' | 'messages';
  context?: { entities: Json[] };
}): Json {
  const ts = nextTs();
  return {
    type: 'app_home_opened',
    user: i.user,
    channel: i.channel,
    tab: i.tab,
    ...(i.tab === 'home'
      ? {
          view: {
            id: 'V0HOME0001',
            team_id: 'T0TEST',
            type: 'home',
            blocks: [],
            private_metadata: '',
            callback_id: '',
            hash: `${Math.floor(Date.now() / 1000)}.abc`,
            app_id: FAKE_APP_ID,
            bot_id: 'BBOT',
          },
        }
      : {}),
    ...(i.context ? { context: i.context } : {}),
    event_ts: ts,
  };
}

/** A `context.entities` entry of app_context_changed (@slack/types AppContextChangedEvent). */
export const channelEntity = (channel: string, team = 'T0TEST'): Json => ({
  type: 'slack#/types/channel_id',
  value: channel,
  team_id: team,
});
export const messageEntity = (channel: string, messageTs: string, team = 'T0TEST'): Json => ({
  type: 'slack#/types/message_context',
  value: { message_ts: messageTs, channel_id: channel },
  team_id: team,
});

/** app_context_changed: the user moved to another channel or message while the app's split view is open. */
export function appContextChanged(i: { user: string; channel: string; entities: Json[] }): Json {
  return {
    type: 'app_context_changed',
    channel: i.channel,
    user: i.user,
    context: { entities: i.entities },
    event_ts: nextTs(),
  };
}

/**
 * `reaction_added` as delivered for a reaction on a message (https://docs.slack.dev/reference/events/reaction_added):
 * the reacting user, the emoji name without colons, the item (channel + ts) and its author.
 */
export function reactionAdded(i: {
  user: string;
  reaction: string;
  channel: string;
  ts: string;
  itemUser: string;
}): Json {
  return {
    type: 'reaction_added',
    user: i.user,
    reaction: i.reaction,
    item_user: i.itemUser,
    item: { type: 'message', channel: i.channel, ts: i.ts },
    event_ts: nextTs(),
  };
}

export interface MessageActionInput {
  callback_id: string;
  user: string;
  channel: string;
  message: Json & { ts: string; text?: string };
  responseUrl: string;
  team?: string;
}

/** A message shortcut click (type message_action), as Slack posts it to the interactivity URL. */
export function messageActionPayload(i: MessageActionInput): Json {
  const team = i.team ?? 'T0TEST';
  return {
    type: 'message_action',
    token: FAKE_VERIFICATION_TOKEN,
    action_ts: nextTs(),
    team: { id: team, domain: 'fake-team' },
    user: { id: i.user, username: i.user.toLowerCase(), name: i.user.toLowerCase(), team_id: team },
    channel: { id: i.channel, name: i.channel.startsWith('D') ? 'directmessage' : 'general' },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: i.callback_id,
    trigger_id: newTriggerId(),
    message_ts: i.message.ts,
    message: { type: 'message', text: '', team, ...i.message },
    response_url: i.responseUrl,
  };
}

/** view_submission for a modal the app opened: the values typed, keyed by block_id and action_id. */
export function viewSubmissionPayload(i: {
  user: string;
  callback_id: string;
  private_metadata: string;
  values: Record<string, Record<string, string>>;
  team?: string;
}): Json {
  const team = i.team ?? 'T0TEST';
  const values = Object.fromEntries(
    Object.entries(i.values).map(([block, actions]) => [
      block,
      Object.fromEntries(Object.entries(actions).map(([a, value]) => [a, { type: 'plain_text_input', value }])),
    ]),
  );
  return {
    type: 'view_submission',
    team: { id: team, domain: 'fake-team' },
    user: { id: i.user, username: i.user.toLowerCase(), name: i.user.toLowerCase(), team_id: team },
    api_app_id: FAKE_APP_ID,
    token: FAKE_VERIFICATION_TOKEN,
    trigger_id: newTriggerId(),
    view: {
      id: 'V0FAKE00001',
      team_id: team,
      type: 'modal',
      blocks: [],
      private_metadata: i.private_metadata,
      callback_id: i.callback_id,
      state: { values },
      hash: `${Math.floor(Date.now() / 1000)}.abcdef`,
      title: { type: 'plain_text', text: 'Ask Threadwise' },
      previous_view_id: null,
      root_view_id: 'V0FAKE00001',
      app_id: FAKE_APP_ID,
      external_id: '',
      app_installed_team_id: team,
      bot_id: 'BBOT',
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
