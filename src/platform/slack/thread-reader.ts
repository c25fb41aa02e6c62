import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { slackFileSchema } from './files/slack-file.js';

/** Files as Slack lists them on a message; one we cannot use (no id) is left out, not the whole message. */
const fileListSchema = z
  .array(z.unknown())
  .transform((files) => files.flatMap((f) => slackFileSchema.safeParse(f).data ?? []));

/** A message as conversations.replies / conversations.history return it; only the fields the bot reads. */
const threadMessageSchema = z.looseObject({
  ts: z.string(),
  text: z.string().default(''),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  username: z.string().optional(),
  subtype: z.string().optional(),
  thread_ts: z.string().optional(),
  reply_count: z.number().optional(),
  files: fileListSchema.optional(),
});
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

export interface ReadOptions {
  maxMessages?: number;
  pageSize?: number;
  /** Wraps each page's call, e.g. to wait out rate limits visibly (Batch) instead of inside the client. */
  call?: <T>(method: string, call: () => Promise<T>) => Promise<T>;
}

const direct = <T>(_method: string, call: () => Promise<T>) => call();

/** Every message of a thread (or the single message, when it has no thread), oldest first, following cursors. */
export function readThread(
  client: WebClient,
  channel: string,
  threadTs: string,
  opts: ReadOptions = {},
): Promise<ThreadMessage[]> {
  return readPages(
    'conversations.replies',
    (cursor) =>
      client.conversations.replies({
        channel,
        ts: threadTs,
        limit: opts.pageSize ?? 200,
        ...(cursor ? { cursor } : {}),
      }),
    opts,
  );
}

/** The top-level messages of a channel since `oldest` (Unix seconds), following cursors. */
export function readHistory(
  client: WebClient,
  channel: string,
  oldest: number,
  opts: ReadOptions = {},
): Promise<ThreadMessage[]> {
  return readPages(
    'conversations.history',
    (cursor) =>
      client.conversations.history({
        channel,
        oldest: oldest.toFixed(6),
        inclusive: true,
        limit: opts.pageSize ?? 200,
        ...(cursor ? { cursor } : {}),
      }),
    opts,
  );
}

const pageSchema = z.looseObject({
  messages: z.array(z.unknown()).nullish(),
  response_metadata: z.looseObject({ next_cursor: z.string().nullish() }).nullish(),
});

async function readPages(
  method: string,
  fetchPage: (cursor?: string) => Promise<unknown>,
  opts: ReadOptions,
): Promise<ThreadMessage[]> {
  const call = opts.call ?? direct;
  const max = opts.maxMessages ?? 2_000;
  const out: ThreadMessage[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = pageSchema.parse(await call(method, () => fetchPage(cursor)));
    for (const raw of page.messages ?? []) {
      // A message of a shape we cannot read is skipped; the rest of the thread is still worth having.
      const m = threadMessageSchema.safeParse(raw);
      if (m.success && !seen.has(m.data.ts)) {
        seen.add(m.data.ts);
        out.push(m.data);
      }
    }
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor && out.length < max);
  return out;
}
