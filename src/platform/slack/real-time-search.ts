import type { Logger as SlackLogger } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { classifySlackError } from './slack-errors.js';

/** Slack's Real-time Search method: messages the asking person can see, searched as them with the event's token. */
export const SEARCH_METHOD = 'assistant.search.context';

/** One message as `assistant.search.context` returns it (https://docs.slack.dev/reference/methods/assistant.search.context). */
const searchMessageSchema = z.object({
  author_user_id: z.string(),
  team_id: z.string(),
  channel_id: z.string().min(1),
  message_ts: z.string().regex(/^\d+\.\d+$/),
  content: z.string(),
  is_author_bot: z.boolean(),
  permalink: z.url({ protocol: /^https?$/ }),
});
export type SearchMessage = z.infer<typeof searchMessageSchema>;

const searchResponseSchema = z.object({
  ok: z.literal(true),
  results: z.object({ messages: z.array(z.unknown()).default([]) }).prefault({}),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

export type SearchOutcome =
  | { kind: 'found'; messages: SearchMessage[]; nextCursor?: string; malformed: number }
  | { kind: 'rate_limited'; retryAfter: number }
  /** Slack refused (an expired or unknown action token, a missing scope): the error as Slack names it. */
  | { kind: 'refused'; error: string }
  | { kind: 'failed'; error: string };

export interface SearchRequest {
  /** The asker's question, as typed. */
  query: string;
  /** From the message event; never logged. */
  actionToken: string;
  /** Slack allows up to 20 per page. */
  limit: number;
  cursor?: string;
}

/**
 * Calls `assistant.search.context` with the bot token and the event's action token. The client must reject
 * rate-limited calls (the caller decides whether to wait) and must not log request bodies or results: the
 * messages found may be used for one answer and nowhere else.
 */
export async function searchSlack(client: WebClient, request: SearchRequest): Promise<SearchOutcome> {
  let raw: unknown;
  try {
    raw = await client.apiCall(SEARCH_METHOD, {
      query: request.query,
      action_token: request.actionToken,
      channel_types: 'public_channel',
      content_types: 'messages',
      // Earlier answers are often the bot's own: they must be found too.
      include_bots: true,
      limit: Math.min(20, Math.max(1, request.limit)),
      ...(request.cursor ? { cursor: request.cursor } : {}),
    });
  } catch (err) {
    const failure = classifySlackError(err);
    if (failure.kind === 'rate_limited') return failure;
    return failure.kind === 'platform'
      ? { kind: 'refused', error: failure.error }
      : { kind: 'failed', error: failure.error };
  }
  const parsed = searchResponseSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'failed', error: 'unexpected response shape' };
  const messages: SearchMessage[] = [];
  let malformed = 0;
  for (const m of parsed.data.results.messages) {
    const one = searchMessageSchema.safeParse(m);
    if (one.success) messages.push(one.data);
    else malformed++;
  }
  const nextCursor = parsed.data.response_metadata?.next_cursor || undefined;
  return { kind: 'found', messages, malformed, ...(nextCursor ? { nextCursor } : {}) };
}

/**
 * One search client per bot token. The SDK logs request bodies and results at debug level; these clients log
 * only warnings and errors (which carry neither), so a debug log level never writes what the search found. Rate
 * limits are returned, not retried: a search that cannot run now is skipped.
 */
export function searchClients(options: { slackApiUrl?: string; logger: SlackLogger }): (bot: WebClient) => WebClient {
  const clients = new WeakMap<WebClient, WebClient>();
  return (bot) => {
    let client = clients.get(bot);
    if (!client) {
      client = new WebClient(bot.token, {
        ...(options.slackApiUrl ? { slackApiUrl: options.slackApiUrl } : {}),
        logger: options.logger,
        rejectRateLimitedCalls: true,
        retryConfig: { retries: 0 },
      });
      clients.set(bot, client);
    }
    return client;
  };
}
