import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { slackFileSchema } from './files/slack-file.js';

/** A message as conversations.replies returns it; only the fields the bot reads. */
export const threadMessageSchema = z.looseObject({
  ts: z.string(),
  text: z.string().default(''),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  username: z.string().optional(),
  thread_ts: z.string().optional(),
  files: z.array(slackFileSchema).optional(),
});
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

const PAGE = 200;

/** Every message of a thread (or the single message, when it has no thread), oldest first, following cursors. */
export async function readThread(
  client: WebClient,
  channel: string,
  threadTs: string,
  maxMessages = 2_000,
): Promise<ThreadMessage[]> {
  const out: ThreadMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.replies({
      channel,
      ts: threadTs,
      limit: PAGE,
      ...(cursor ? { cursor } : {}),
    });
    for (const raw of page.messages ?? []) {
      const m = threadMessageSchema.safeParse(raw);
      if (m.success && !out.some((o) => o.ts === m.data.ts)) out.push(m.data);
    }
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor && out.length < maxMessages);
  return out;
}
