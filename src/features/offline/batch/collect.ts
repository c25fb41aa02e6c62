import { WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { z } from 'zod';
import { withRetry } from '../../../lib/retry.js';

const fileSchema = z.looseObject({
  name: z.string().optional(),
  title: z.string().optional(),
  mimetype: z.string().optional(),
});

export const slackMessageSchema = z.looseObject({
  ts: z.string(),
  user: z.string().optional(),
  bot_id: z.string().optional(),
  subtype: z.string().optional(),
  text: z.string().optional(),
  thread_ts: z.string().optional(),
  reply_count: z.number().optional(),
  files: z.array(fileSchema).optional(),
});
export type SlackMessage = z.infer<typeof slackMessageSchema>;

const pageSchema = z.looseObject({
  messages: z.array(slackMessageSchema).default([]),
  has_more: z.boolean().optional(),
  response_metadata: z.looseObject({ next_cursor: z.string().optional() }).optional(),
});

/** A top-level message with its replies, oldest first: one unit of triage. */
export interface SlackThread {
  channel: string;
  ts: string;
  messages: SlackMessage[];
}

export interface CollectOptions {
  channel: string;
  /** Unix seconds: only threads started at or after this time. */
  oldest: number;
  /** The bot's own user id: its answers are not part of what people reported. */
  botUserId?: string;
  pageSize?: number;
  /** Told when Slack rate-limits a call and how long we wait (seconds). */
  onRateLimited?: (method: string, retryAfterSeconds: number) => void;
  onProgress?: (threads: number) => void;
  sleep?: (ms: number) => Promise<void>;
  maxRateLimitWaits?: number;
}

/** Subtypes that are channel bookkeeping rather than something a person said. */
const NOISE = new Set([
  'channel_join',
  'channel_leave',
  'channel_topic',
  'channel_purpose',
  'channel_name',
  'channel_archive',
  'channel_unarchive',
  'pinned_item',
  'unpinned_item',
  'bot_add',
  'bot_remove',
  'reminder_add',
]);

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Whether a message is something a person (or another app) reported, not bookkeeping or our own answer. */
export function isContent(m: SlackMessage, botUserId?: string): boolean {
  if (m.subtype && NOISE.has(m.subtype)) return false;
  if (botUserId && m.user === botUserId) return false;
  return Boolean(m.text?.trim()) || Boolean(m.files?.length);
}

/**
 * Reads a channel's threads since `oldest`: conversations.history for the top-level messages, then
 * conversations.replies for each one with replies, following cursors. Both are Tier 3 (50+/min); on a 429
 * the call waits the Retry-After Slack sent and tries again, so a long history is read completely, only slower.
 * The client must be created with `rejectRateLimitedCalls: true` so that the wait is ours (visible and testable).
 */
export async function collectThreads(client: WebClient, opts: CollectOptions): Promise<SlackThread[]> {
  const sleep = opts.sleep ?? defaultSleep;
  const limit = opts.pageSize ?? 200;
  const patient = <T>(method: string, call: () => Promise<T>): Promise<T> =>
    withRetry(call, {
      attempts: (opts.maxRateLimitWaits ?? 20) + 1,
      delayFor: (err) => (err instanceof WebAPIRateLimitedError ? err.retryAfter * 1000 : undefined),
      onRetry: (err) => opts.onRateLimited?.(method, (err as WebAPIRateLimitedError).retryAfter),
      sleep,
    });
  const pages = async (method: string, fetchPage: (cursor?: string) => Promise<unknown>): Promise<SlackMessage[]> => {
    const out: SlackMessage[] = [];
    let cursor: string | undefined;
    do {
      const page = pageSchema.parse(await patient(method, () => fetchPage(cursor)));
      out.push(...page.messages);
      cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
    } while (cursor);
    return out;
  };

  const oldest = opts.oldest.toFixed(6);
  const tops = await pages('conversations.history', (cursor) =>
    client.conversations.history({
      channel: opts.channel,
      oldest,
      inclusive: true,
      limit,
      ...(cursor ? { cursor } : {}),
    }),
  );
  const threads: SlackThread[] = [];
  for (const top of tops.sort((a, b) => compareTs(a.ts, b.ts))) {
    if (!isContent(top, opts.botUserId)) continue;
    let messages = [top];
    if ((top.reply_count ?? 0) > 0) {
      const all = await pages('conversations.replies', (cursor) =>
        client.conversations.replies({ channel: opts.channel, ts: top.ts, limit, ...(cursor ? { cursor } : {}) }),
      );
      messages = all.filter((m) => isContent(m, opts.botUserId)).sort((a, b) => compareTs(a.ts, b.ts));
    }
    threads.push({ channel: opts.channel, ts: top.ts, messages });
    opts.onProgress?.(threads.length);
  }
  return threads;
}

/** Slack timestamps compare as (seconds, micro-seconds), not as floats. */
export function compareTs(a: string, b: string): number {
  const [as, au = '0'] = a.split('.');
  const [bs, bu = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(au.padEnd(6, '0')) - Number(bu.padEnd(6, '0'));
}
