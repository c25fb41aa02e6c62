import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SlackLookups } from '../../platform/slack/lookups.js';
import { resolveSlackMarkup } from '../../platform/slack/markup.js';
import type { AppContext } from '../../platform/store/user-state.js';

const MAX_MESSAGE_CHARS = 2_000;

/** The entities of app_context_changed (and app_home_opened) as Slack sends them; unknown kinds are ignored. */
const entitySchema = z.looseObject({ type: z.string(), value: z.unknown() });
const messageValueSchema = z.looseObject({ message_ts: z.string().min(1), channel_id: z.string().min(1) });

/** What the person is viewing, from `context.entities`; undefined when it names no channel or message. */
export function contextFromEntities(entities: unknown, at: number): AppContext | undefined {
  const parsed = z.array(entitySchema).safeParse(entities);
  if (!parsed.success) return undefined;
  const out: AppContext = { at };
  for (const e of parsed.data) {
    if (e.type === 'slack#/types/channel_id' && typeof e.value === 'string' && e.value) out.channel = e.value;
    if (e.type === 'slack#/types/message_context') {
      const m = messageValueSchema.safeParse(e.value);
      if (m.success) out.message = { channel: m.data.channel_id, ts: m.data.message_ts };
    }
  }
  return out.channel || out.message ? out : undefined;
}

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

/**
 * One line for the model about what the person was looking at: the channel by name, a message by permalink and
 * text (when the bot may read it). Lookups that fail only make the line shorter.
 */
export async function describeAppContext(
  ctx: AppContext,
  deps: { client: WebClient; lookups: SlackLookups; botUserId: string; log: Logger },
): Promise<string> {
  const channelId = ctx.message?.channel ?? ctx.channel!;
  const name = await deps.lookups.channelName(channelId);
  const where = name ? `#${name}` : `the conversation ${channelId}`;
  if (!ctx.message) return `(While asking this, the user was viewing ${where}.)`;
  const { channel, ts } = ctx.message;
  const [link, text] = await Promise.all([
    deps.client.chat
      .getPermalink({ channel, message_ts: ts })
      .then((r) => (typeof r.permalink === 'string' ? r.permalink : undefined))
      .catch(() => undefined),
    deps.client.conversations
      .history({ channel, latest: ts, inclusive: true, limit: 1 })
      .then((r) => r.messages?.find((m) => m.ts === ts)?.text)
      .catch((err: Error) => {
        deps.log.debug({ err: { message: err.message } }, 'the viewed message could not be read');
        return undefined;
      }),
  ]);
  const quoted = text
    ? `: "${clip(await resolveSlackMarkup(text, deps.lookups, { botUserId: deps.botUserId }), MAX_MESSAGE_CHARS)}"`
    : '';
  return `(While asking this, the user was viewing a message in ${where}${link ? ` (${link})` : ''}${quoted})`;
}
