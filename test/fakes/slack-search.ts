// Slack's Real-time Search API (assistant.search.context) as the fake serves it to a bot token.
//
// - A bot token must send the `action_token` "as received in a message event": Slack puts one at the top of the
//   message and app_mention events it delivers to the app (slack-go/slack#1580), and it stands for the person who
//   wrote that message. The fake issues one per delivered event (issueActionToken) and refuses any other with
//   `invalid_action_token`; a token is short-lived (ACTION_TOKEN_TTL_MS here; Slack does not publish the figure).
// - Scope: `search:read.public` (else `missing_scope` with needed/provided, like every Slack method). With a bot
//   token only public channels are searched; private conversations need a user token.
// - Visibility (https://docs.slack.dev/reference/scopes/search.read.public): public channels of the workspace are
//   searchable by any of its full members, whether or not they joined; a guest (is_restricted) sees only the
//   channels they are a member of.
// - Pages of up to 20 (`limit`, default 20), `response_metadata.next_cursor` as in Slack's example
//   (base64 "CURRENT_PAGE:<n>"); a cursor Slack did not issue is `invalid_cursor`.
// - About 10 calls a minute per workspace (the method's special limit), enforced always, then HTTP 429
//   `ratelimited` with Retry-After (slack-rate-limit.ts).

import { compareTs, type FakeMessage } from './slack-model.js';
import { type Json, missingField, SlackApiError, type Workspace } from './slack-state.js';

export const SEARCH_SCOPE = 'search:read.public';
export const ACTION_TOKEN_TTL_MS = 10 * 60_000;

interface IssuedToken {
  user: string;
  issuedAt: number;
}

const issued = new WeakMap<Workspace, Map<string, IssuedToken>>();
const tokensOf = (ws: Workspace) => {
  let map = issued.get(ws);
  if (!map) {
    map = new Map();
    issued.set(ws, map);
  }
  return map;
};

/** Slack's format in its docs: "12345.98765.abcd2358fdea". */
export function issueActionToken(ws: Workspace, user: string): string {
  const token = `${Math.floor(ws.now() / 1000)}.${Math.floor(Math.random() * 1e5)}.${Math.random().toString(16).slice(2, 14)}`;
  tokensOf(ws).set(token, { user, issuedAt: ws.now() });
  return token;
}

const STOP_WORDS = new Set(['the', 'and', 'for', 'what', 'how', 'who', 'when', 'where', 'why', 'can', 'does', 'our']);
const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w));

const encodeCursor = (page: number) => Buffer.from(`CURRENT_PAGE:${page}`).toString('base64');
function decodeCursor(cursor: unknown): number {
  if (cursor === undefined || cursor === '') return 1;
  const m = /^CURRENT_PAGE:(\d+)$/.exec(Buffer.from(String(cursor), 'base64').toString('utf8'));
  if (!m || Number(m[1]) < 2) throw new SlackApiError('invalid_cursor');
  return Number(m[1]);
}

function permalink(ws: Workspace, channel: string, m: FakeMessage): string {
  const base = `https://${ws.o.teamDomain}.slack.com/archives/${channel}/p${m.ts.replace('.', '')}`;
  return m.thread_ts && m.thread_ts !== m.ts ? `${base}?thread_ts=${m.thread_ts}&cid=${channel}` : base;
}

/** Whether `user` may read a public channel's messages through search. */
function canSee(ws: Workspace, channel: string, user: string): boolean {
  // Channels the fake never described are public ones when their id says so (C…), as chat.postMessage treats them.
  const info = ws.channels.get(channel);
  if (info?.is_im || info?.is_private || /^[DG]/.test(channel)) return false;
  const person = ws.users.get(user);
  if (person?.is_restricted) return info?.members?.includes(user) ?? false;
  return true;
}

export const searchHandlers: Record<string, (args: Json, ws: Workspace) => Json> = {
  'assistant.search.context'(args, ws) {
    if (!ws.o.scopes.includes(SEARCH_SCOPE))
      throw new SlackApiError('missing_scope', undefined, { needed: SEARCH_SCOPE, provided: ws.o.scopes.join(',') });
    const query = typeof args.query === 'string' ? args.query.trim() : '';
    if (!query) throw missingField('query');
    const token = typeof args.action_token === 'string' ? tokensOf(ws).get(args.action_token) : undefined;
    if (!token || ws.now() - token.issuedAt > ACTION_TOKEN_TTL_MS) throw new SlackApiError('invalid_action_token');
    const limit = args.limit === undefined ? 20 : Number(args.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 20) throw new SlackApiError('invalid_limit');
    const page = decodeCursor(args.cursor);
    const includeBots = args.include_bots === true || args.include_bots === 'true' || args.include_bots === '1';
    const wanted = new Set(words(query));
    const hits: Array<{ channel: string; m: FakeMessage; score: number }> = [];
    for (const [channel, list] of ws.messages) {
      if (!canSee(ws, channel, token.user)) continue;
      for (const m of list) {
        if (ws.isBot(m) && !includeBots) continue;
        const score = words(m.text).filter((w) => wanted.has(w)).length;
        if (score > 0) hits.push({ channel, m, score });
      }
    }
    hits.sort((a, b) => b.score - a.score || compareTs(b.m.ts, a.m.ts));
    const slice = hits.slice((page - 1) * limit, page * limit);
    return {
      results: {
        messages: slice.map(({ channel, m }) => ({
          author_user_id: m.user,
          team_id: ws.o.teamId,
          channel_id: channel,
          message_ts: m.ts,
          content: m.text,
          is_author_bot: ws.isBot(m),
          permalink: permalink(ws, channel, m),
        })),
      },
      ...(hits.length > page * limit ? { response_metadata: { next_cursor: encodeCursor(page + 1) } } : {}),
    };
  },
};
