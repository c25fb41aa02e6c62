import { z } from 'zod';
import { slackFileSchema } from '../../platform/slack/files/slack-file.js';

/** The parts of a Slack message or app_mention event we rely on; anything else passes through untouched. */
export const messageEventSchema = z.looseObject({
  type: z.enum(['message', 'app_mention']),
  subtype: z.string().optional(),
  user: z.string().optional(),
  /** The author's team; in a Slack Connect channel it can differ from the workspace the event was sent for. */
  user_team: z.string().min(1).optional(),
  bot_id: z.string().optional(),
  text: z.string().default(''),
  ts: z.string().regex(/^\d+\.\d+$/),
  thread_ts: z
    .string()
    .regex(/^\d+\.\d+$/)
    .optional(),
  channel: z.string().min(1),
  channel_type: z.string().optional(),
  files: z.array(slackFileSchema).optional(),
  /**
   * Short-lived permission to search Slack as the asker (Real-time Search, `assistant.search.context`). Slack sends
   * it at the top of message and app_mention events; older payloads nested it in `assistant_thread`.
   */
  action_token: z.string().min(1).optional(),
  assistant_thread: z.looseObject({ action_token: z.string().min(1).optional() }).optional(),
});
export type MessageEvent = z.infer<typeof messageEventSchema>;

/** The event's Real-time Search token, wherever this payload version put it. */
export const actionTokenOf = (event: MessageEvent): string | undefined =>
  event.action_token ?? event.assistant_thread?.action_token;

export interface TriggerContext {
  botUserId: string;
  botId: string;
  allowBots: boolean | string[];
}

export type Trigger =
  /** `topLevel`: a person's (or allowed bot's) new top-level channel message without a mention (a help desk's question). */
  | { action: 'ignore'; reason: string; topLevel?: true }
  /** `needsThread`: answer only if the bot already takes part in the thread (a follow-up without mention). */
  | { action: 'answer'; threadTs: string; isDm: boolean; mentioned: boolean; needsThread: boolean };

/** Subtypes that are a person (or allowed bot) saying something new. */
const ANSWERABLE_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'bot_message']);

/** Decides, without I/O, whether an event is a question for the bot. */
export function classifyMessage(event: MessageEvent, ctx: TriggerContext): Trigger {
  if (!ANSWERABLE_SUBTYPES.has(event.subtype)) return { action: 'ignore', reason: `subtype ${event.subtype}` };
  if (event.user === ctx.botUserId || (event.bot_id && event.bot_id === ctx.botId))
    return { action: 'ignore', reason: 'own message' };
  if (event.bot_id || event.subtype === 'bot_message') {
    const allowed =
      ctx.allowBots === true || (Array.isArray(ctx.allowBots) && ctx.allowBots.includes(event.bot_id ?? ''));
    if (!allowed) return { action: 'ignore', reason: 'other bot' };
  }
  if (!event.user && !event.bot_id) return { action: 'ignore', reason: 'no author' };
  const isDm = event.channel_type === 'im' || event.channel.startsWith('D');
  const threadTs = event.thread_ts ?? event.ts;
  const mentioned = event.type === 'app_mention' || event.text.includes(`<@${ctx.botUserId}>`);
  if (event.type === 'app_mention') return { action: 'answer', threadTs, isDm, mentioned, needsThread: false };
  if (isDm) return { action: 'answer', threadTs, isDm, mentioned, needsThread: false };
  // In channels a mention arrives as app_mention too; the message copy is left to that listener.
  if (mentioned) return { action: 'ignore', reason: 'handled as app_mention' };
  if (!event.thread_ts)
    return { action: 'ignore', reason: 'top-level channel message without mention', topLevel: true };
  return { action: 'answer', threadTs, isDm, mentioned, needsThread: true };
}
