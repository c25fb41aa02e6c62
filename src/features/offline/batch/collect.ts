import { WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { withRetry } from '../../../lib/retry.js';
import { readHistory, readThread, type ThreadMessage } from '../../../platform/slack/thread-reader.js';

/** A top-level message with its replies, oldest first: one unit of triage. */
export interface SlackThread {
  channel: string;
  ts: string;
  messages: ThreadMessage[];
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

/** Whether a message is something a person (or another app) reported, not bookkeeping or our own answer. */
export function isContent(m: ThreadMessage, botUserId?: string): boolean {
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
  const patient = <T>(method: string, call: () => Promise<T>): Promise<T> =>
    withRetry(call, {
      attempts: (opts.maxRateLimitWaits ?? 20) + 1,
      delayFor: (err) => (err instanceof WebAPIRateLimitedError ? err.retryAfter * 1000 : undefined),
      onRetry: (err) => opts.onRateLimited?.(method, (err as WebAPIRateLimitedError).retryAfter),
      sleep: opts.sleep,
    });
  const read = { pageSize: opts.pageSize, maxMessages: Number.POSITIVE_INFINITY, call: patient };
  const tops = await readHistory(client, opts.channel, opts.oldest, read);
  const threads: SlackThread[] = [];
  for (const top of tops.sort((a, b) => compareTs(a.ts, b.ts))) {
    if (!isContent(top, opts.botUserId)) continue;
    let messages = [top];
    if ((top.reply_count ?? 0) > 0) {
      const all = await readThread(client, opts.channel, top.ts, read);
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
