// chat.* handlers of the fake Slack Web API, including the streaming trio.
//
// Behaviours modelled (sources: docs.slack.dev method pages; slack-ruby/slack-api-ref method JSON,
// which mirrors Slack's published argument and error tables):
// - markdown_text cannot be combined with text/blocks -> markdown_text_conflict.
// - markdown_text is limited to 12,000 chars per call -> msg_too_long (error name assumed; Slack
//   documents the limit but not the code for postMessage; appendStream answers msg_too_long).
// - A streamed message also has a cumulative cap near 12k; beyond it appendStream answers
//   msg_too_long for the rest of the stream (CopilotKit/CopilotKit#6064, #6244, live evidence).
// - chat.postMessage text over 40,000 chars is truncated; chat.update documents msg_too_long for
//   text over 4,000 chars.
// - More than 50 blocks -> invalid_blocks (postMessage/update) / msg_blocks_too_many (stopStream); any other
//   Block Kit limit (section 3,000, header 150, button text 75, value 2,000, context elements 10 … see
//   slack-blocks.ts) -> invalid_blocks; markdown blocks > 12,000 in total -> msg_blocks_too_long.
// - chat.startStream outside an IM needs recipient_team_id and recipient_user_id
//   (missing_recipient_team_id / missing_recipient_user_id); the Node SDK requires thread_ts.
// - chat.appendStream that adds nothing (markdown_text absent or empty, no chunks) -> no_text.
// - append/stop on a stopped or expired stream -> message_not_in_streaming_state; on someone else's
//   message -> message_not_owned_by_app; unknown ts -> message_not_found.
// - chat.update on a message that is still streaming -> streaming_state_conflict; on another
//   user's message -> cant_update_message.
// - chat.stopStream sets the agent session of the stream's thread to session_status, `active` when it is left out
//   (docs.slack.dev chat.stopStream: "The session status to set after stopping the stream. Default: active");
//   a value outside active|processing|suspended|closed is refused before the stream stops. A thread without a
//   session gets none (only agents.sessions.setStatus is documented to create one).
import { blockErrors, MESSAGE_BLOCKS } from './slack-blocks.js';
import { entitiesProblems } from './slack-entities.js';
import { blocksText, chunksText, type FakeMessage, markdownBlocksLength } from './slack-model.js';
import { type Json, missingField, SESSION_STATUSES, SlackApiError, type Workspace } from './slack-state.js';

export const MARKDOWN_TEXT_LIMIT = 12_000;
export const POST_TEXT_TRUNCATE_AT = 40_000;
export const UPDATE_TEXT_LIMIT = 4_000;
const MAX_BLOCKS = MESSAGE_BLOCKS;

const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const asArray = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);

function requireTs(args: Json, name = 'ts'): string {
  const ts = asString(args[name]);
  if (!ts) throw missingField(name);
  return ts;
}

function checkBlocks(blocks: unknown[] | undefined, tooMany = 'invalid_blocks'): void {
  if (!blocks) return;
  if (blocks.length > MAX_BLOCKS) throw new SlackApiError(tooMany);
  const errors = blockErrors(blocks, MAX_BLOCKS);
  if (errors.length) throw new SlackApiError('invalid_blocks', errors);
  if (markdownBlocksLength(blocks) > MARKDOWN_TEXT_LIMIT) throw new SlackApiError('msg_blocks_too_long');
}

interface Content {
  text: string;
  blocks?: unknown[];
  truncated?: boolean;
  format: 'markdown' | 'mrkdwn';
  fallback?: string;
}

/** Validates text / markdown_text / blocks and returns what a reader would see. */
function content(args: Json, mode: 'post' | 'update'): Content {
  const text = asString(args.text);
  const markdown = asString(args.markdown_text);
  const blocks = asArray(args.blocks);
  if (markdown !== undefined && (text !== undefined || blocks !== undefined)) {
    throw new SlackApiError('markdown_text_conflict');
  }
  if (!text && !markdown && !blocks?.length) throw new SlackApiError('no_text');
  checkBlocks(blocks);
  if (markdown !== undefined) {
    if (markdown.length > MARKDOWN_TEXT_LIMIT) throw new SlackApiError('msg_too_long');
    return { text: markdown, blocks: [{ type: 'markdown', text: markdown }], format: 'markdown' };
  }
  if (blocks?.length)
    return { text: blocksText(blocks), blocks, format: 'mrkdwn', ...(text !== undefined ? { fallback: text } : {}) };
  let visible = text ?? '';
  if (mode === 'update' && visible.length > UPDATE_TEXT_LIMIT) throw new SlackApiError('msg_too_long');
  const truncated = visible.length > POST_TEXT_TRUNCATE_AT;
  if (truncated) visible = visible.slice(0, POST_TEXT_TRUNCATE_AT);
  return truncated ? { text: visible, truncated, format: 'mrkdwn' } : { text: visible, format: 'mrkdwn' };
}

function markThreadRoot(ws: Workspace, channel: string, threadTs: string | undefined): void {
  if (!threadTs) return;
  const root = ws.find(channel, threadTs);
  if (root && !root.thread_ts) root.thread_ts = root.ts;
}

function newBotMessage(ws: Workspace, channel: string, threadTs: string | undefined, c: Content): FakeMessage {
  const m: FakeMessage = {
    ts: ws.ts.next(),
    user: ws.o.botUserId,
    bot_id: ws.o.botId,
    text: c.text,
    edits: 0,
    format: c.format,
  };
  if (threadTs) m.thread_ts = threadTs;
  if (c.blocks) m.blocks = c.blocks;
  if (c.fallback !== undefined) m.fallback = c.fallback;
  if (c.truncated) m.truncated = true;
  markThreadRoot(ws, channel, threadTs);
  ws.insert(channel, m);
  ws.clearStatus(channel, threadTs);
  return m;
}

/** Looks up a message for update/delete/stream methods with Slack's error codes. */
function ownMessage(ws: Workspace, args: Json, notOwned: string): { channel: string; m: FakeMessage } {
  const { id } = ws.channel(args.channel);
  const m = ws.find(id, requireTs(args));
  if (!m) throw new SlackApiError('message_not_found');
  if (!ws.isBot(m)) throw new SlackApiError(notOwned);
  return { channel: id, m };
}

function streamingMessage(ws: Workspace, args: Json): { channel: string; m: FakeMessage } {
  const found = ownMessage(ws, args, 'message_not_owned_by_app');
  ws.refreshStream(found.channel, found.m);
  if (found.m.streaming_state !== 'in_progress') throw new SlackApiError('message_not_in_streaming_state');
  return found;
}

const TASK_STATUSES = ['pending', 'in_progress', 'complete', 'error'];

/** @slack/types AnyChunk: a chunk Slack cannot read is refused as a whole call. */
function chunkValid(c: unknown): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const o = c as Json;
  switch (o.type) {
    case 'markdown_text':
      return typeof o.text === 'string';
    case 'plan_update':
      return typeof o.title === 'string' && o.title.length > 0;
    case 'blocks':
      return Array.isArray(o.blocks);
    case 'task_update': {
      const sources = o.sources === undefined ? [] : o.sources;
      return (
        typeof o.id === 'string' &&
        o.id.length > 0 &&
        typeof o.title === 'string' &&
        o.title.length > 0 &&
        TASK_STATUSES.includes(String(o.status)) &&
        Array.isArray(sources) &&
        sources.every(
          (x) =>
            typeof x === 'object' &&
            x !== null &&
            (x as Json).type === 'url' &&
            typeof (x as Json).url === 'string' &&
            typeof (x as Json).text === 'string',
        )
      );
    }
    default:
      return false;
  }
}

/** Text (markdown_text + markdown_text chunks) a stream call adds; enforces the per-call limit. */
function streamDelta(args: Json, ws: Workspace): { text: string; chunks: unknown[] } {
  const markdown = asString(args.markdown_text) ?? '';
  if (markdown.length > MARKDOWN_TEXT_LIMIT) throw new SlackApiError('msg_too_long');
  const chunks = asArray(args.chunks) ?? [];
  if (args.chunks !== undefined && !Array.isArray(args.chunks)) throw new SlackApiError('invalid_chunks');
  if (chunks.length > MAX_BLOCKS) throw new SlackApiError('invalid_chunks');
  if (chunks.length && ws.refusesChunks) throw new SlackApiError(ws.refusesChunks);
  if (!chunks.every(chunkValid)) throw new SlackApiError('invalid_chunks');
  return { text: markdown + chunksText(chunks), chunks };
}

/**
 * metadata.entities of chat.postMessage and chat.unfurl. Slack does not refuse malformed Work Objects: the call
 * succeeds with `warning: invalid_metadata_format` and what is wrong in response_metadata.messages, and the
 * entities are dropped (no card). `accepted` is undefined when there were none or Slack dropped them.
 */
function checkEntities(metadata: unknown): { accepted?: Json[]; warning?: Json } {
  const entities = (metadata as Json | null | undefined)?.entities;
  if (entities === undefined) return {};
  const problems = entitiesProblems(entities);
  if (problems.length)
    return { warning: { warning: 'invalid_metadata_format', response_metadata: { messages: problems } } };
  return { accepted: entities as Json[] };
}

/**
 * chat.update and chat.stopStream take event metadata only (web-api 8 types them MessageMetadata; Work Object
 * entities are documented for chat.postMessage and chat.unfurl): entities there are refused, not dropped quietly.
 */
function noEntities(metadata: unknown): void {
  if ((metadata as Json | null | undefined)?.entities !== undefined) throw new SlackApiError('invalid_metadata');
}

/** Links in message text as Slack stores them: <https://…> or <https://…|label>, or bare. */
function linksIn(text: string): string[] {
  return [...text.matchAll(/<?(https?:\/\/[^\s|>]+)/g)].map((m) => m[1]!);
}

export const chatHandlers: Record<string, (args: Json, ws: Workspace) => Json> = {
  // https://docs.slack.dev/reference/methods/chat.unfurl (links:write): `channel` + `ts` of the message whose links
  // are unfurled, or `unfurl_id` + `source` for a composer preview; `unfurls` or `metadata.entities` (Work
  // Objects), each entity for a link the message really has (app_unfurl_url).
  'chat.unfurl'(args, ws) {
    if (!ws.o.scopes.includes('links:write')) throw new SlackApiError('missing_scope');
    const { accepted: entities, warning } = checkEntities(args.metadata);
    if (args.metadata === undefined && args.unfurls === undefined) throw missingField('unfurls');
    const unfurlId = asString(args.unfurl_id);
    let channel: string;
    let ts: string;
    if (unfurlId) {
      if (!asString(args.source)) throw missingField('source');
      const message = ws.unfurlIds.get(unfurlId);
      if (!message) throw new SlackApiError('cannot_find_message');
      [channel = '', ts = ''] = message.split(':');
    } else {
      channel = ws.channel(args.channel).id;
      ts = requireTs(args);
    }
    const m = ws.find(channel, ts);
    if (!m) throw new SlackApiError('cannot_find_message');
    const key = `${channel}:${m.ts}`;
    const links = linksIn(m.text);
    for (const e of entities ?? []) {
      const link = asString(e.app_unfurl_url) ?? asString(e.url)!;
      if (!links.includes(link)) throw new SlackApiError('cannot_unfurl_url');
    }
    if (entities) ws.unfurls.set(key, entities);
    return { ...warning };
  },

  'chat.postMessage'(args, ws) {
    const { id } = ws.channel(args.channel);
    const c = content(args, 'post');
    const { warning } = checkEntities(args.metadata);
    const m = newBotMessage(ws, id, asString(args.thread_ts), c);
    // Dropped entities leave no card; event metadata beside them stays.
    if (args.metadata !== undefined) {
      const { entities: _, ...event } = args.metadata as Json;
      if (!warning) m.metadata = args.metadata;
      else if (Object.keys(event).length) m.metadata = event;
    }
    // reply_broadcast only means something for a thread reply: it is then also shown in the channel.
    const broadcast = args.reply_broadcast === true || args.reply_broadcast === 'true';
    if (broadcast && m.thread_ts) m.subtype = 'thread_broadcast';
    return { channel: id, ts: m.ts, message: ws.wire(id, m), ...warning };
  },

  'chat.update'(args, ws) {
    const { channel, m } = ownMessage(ws, args, 'cant_update_message');
    ws.refreshStream(channel, m);
    if (m.streaming_state === 'in_progress') throw new SlackApiError('streaming_state_conflict');
    const c = content(args, 'update');
    noEntities(args.metadata);
    m.text = c.text;
    m.format = c.format;
    if (c.blocks) m.blocks = c.blocks;
    else delete m.blocks;
    if (c.fallback !== undefined) m.fallback = c.fallback;
    else delete m.fallback;
    if (args.metadata !== undefined) m.metadata = args.metadata;
    m.edits += 1;
    return { channel, ts: m.ts, text: m.text, message: ws.wire(channel, m) };
  },

  'chat.delete'(args, ws) {
    const { channel, m } = ownMessage(ws, args, 'cant_delete_message');
    const list = ws.list(channel);
    list.splice(list.indexOf(m), 1);
    ws.streams.delete(`${channel}:${m.ts}`);
    return { channel, ts: m.ts };
  },

  // https://docs.slack.dev/reference/methods/chat.getPermalink: p + ts without the dot; replies carry thread_ts and cid.
  'chat.getPermalink'(args, ws) {
    const { id } = ws.channel(args.channel);
    const ts = asString(args.message_ts);
    if (!ts) throw missingField('message_ts');
    const m = ws.find(id, ts);
    if (!m) throw new SlackApiError('message_not_found');
    const base = `https://${ws.o.teamDomain}.slack.com/archives/${id}/p${ts.replace('.', '')}`;
    const reply = m.thread_ts && m.thread_ts !== m.ts;
    return { channel: id, permalink: reply ? `${base}?thread_ts=${m.thread_ts}&cid=${id}` : base };
  },

  'chat.postEphemeral'(args, ws) {
    const { id } = ws.channel(args.channel);
    const user = asString(args.user);
    if (!user) throw missingField('user');
    if (!ws.users.has(user) && (ws.o.strictChannels || !/^[UW][A-Z0-9]{2,}$/.test(user))) {
      throw new SlackApiError('user_not_in_channel');
    }
    const c = content(args, 'post');
    const message_ts = ws.ts.next();
    ws.ephemerals.push({
      channel: id,
      user,
      text: c.text,
      ...(c.blocks ? { blocks: c.blocks } : {}),
      ...(c.fallback !== undefined ? { fallback: c.fallback } : {}),
      message_ts,
    });
    return { message_ts };
  },

  'chat.startStream'(args, ws) {
    const { id, info } = ws.channel(args.channel);
    const threadTs = asString(args.thread_ts);
    if (!threadTs) throw missingField('thread_ts');
    if (!info.is_im) {
      if (!asString(args.recipient_team_id)) throw new SlackApiError('missing_recipient_team_id');
      if (!asString(args.recipient_user_id)) throw new SlackApiError('missing_recipient_user_id');
    }
    const mode = args.task_display_mode;
    if (mode !== undefined && mode !== 'timeline' && mode !== 'plan')
      throw new SlackApiError('invalid_arguments', ['[ERROR] task_display_mode must be timeline or plan']);
    const delta = streamDelta(args, ws);
    if (delta.text.length > ws.o.streamMaxChars) throw new SlackApiError('msg_too_long');
    const m = newBotMessage(ws, id, threadTs, { text: delta.text, format: 'markdown' });
    m.streaming_state = 'in_progress';
    const now = ws.now();
    ws.streams.set(`${id}:${m.ts}`, {
      startedAt: now,
      lastActivityAt: now,
      chunks: [...delta.chunks],
      ...(mode ? { taskDisplayMode: String(mode) } : {}),
      ...(asString(args.recipient_user_id) ? { recipientUserId: asString(args.recipient_user_id) } : {}),
      ...(asString(args.recipient_team_id) ? { recipientTeamId: asString(args.recipient_team_id) } : {}),
    });
    return { channel: id, ts: m.ts };
  },

  'chat.appendStream'(args, ws) {
    const { channel, m } = streamingMessage(ws, args);
    const delta = streamDelta(args, ws);
    // An append must add something: an empty markdown_text is no text, as it is for chat.postMessage.
    if (!asString(args.markdown_text) && !delta.chunks.length) throw new SlackApiError('no_text');
    if (m.text.length + delta.text.length > ws.o.streamMaxChars) throw new SlackApiError('msg_too_long');
    m.text += delta.text;
    const s = ws.streams.get(`${channel}:${m.ts}`);
    if (s) {
      s.lastActivityAt = ws.now();
      s.chunks.push(...delta.chunks);
    }
    return { channel, ts: m.ts };
  },

  'chat.stopStream'(args, ws) {
    const { channel, m } = streamingMessage(ws, args);
    const sessionStatus = args.session_status ?? 'active';
    if (typeof sessionStatus !== 'string' || !SESSION_STATUSES.includes(sessionStatus))
      throw new SlackApiError('invalid_arguments', ['[ERROR] invalid session_status']);
    const delta = streamDelta(args, ws);
    if (m.text.length + delta.text.length > ws.o.streamMaxChars) throw new SlackApiError('msg_too_long');
    const blocks = asArray(args.blocks);
    checkBlocks(blocks, 'msg_blocks_too_many');
    m.text += delta.text;
    noEntities(args.metadata);
    if (blocks) m.blocks = blocks;
    if (args.metadata !== undefined) m.metadata = args.metadata;
    m.streaming_state = 'completed';
    ws.streams.get(`${channel}:${m.ts}`)?.chunks.push(...delta.chunks);
    if (m.thread_ts) ws.setSessionStatus(channel, m.thread_ts, sessionStatus);
    return { channel, ts: m.ts, message: ws.wire(channel, m) };
  },
};
