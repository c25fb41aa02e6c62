import type { RespondFn } from '@slack/bolt';
import type { Logger } from 'pino';
import { z } from 'zod';
import { slackFileSchema } from './files/slack-file.js';

/**
 * The parts of a message shortcut (message_action) payload every shortcut uses; each adds what only it needs
 * (the modal's trigger_id, the request's action_ts). `team` is null in an org-wide install: see teamOf().
 */
export const messageActionSchema = z.looseObject({
  type: z.literal('message_action'),
  callback_id: z.string(),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().optional() }),
  channel: z.looseObject({ id: z.string().min(1) }),
  message: z.looseObject({
    ts: z.string().min(1),
    text: z.string().default(''),
    user: z.string().optional(),
    thread_ts: z.string().optional(),
    files: z.array(slackFileSchema).optional(),
  }),
});

/** A button click (block_actions) on one of the bot's messages. */
export const buttonClickSchema = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id: z.string().min(1), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string() }).nullish(),
  container: z
    .looseObject({
      channel_id: z.string().optional(),
      message_ts: z.string().optional(),
      thread_ts: z.string().optional(),
    })
    .optional(),
  channel: z.looseObject({ id: z.string() }).optional(),
  message: z.looseObject({ ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.string().optional() })).min(1),
});
export type ButtonClick = z.infer<typeof buttonClickSchema>;

export const issuesOf = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

/** The workspace an interactive payload comes from (`team` is null in an org-wide install; the user's team remains). */
export const teamOf = (p: { team?: { id: string } | null; user: { team_id?: string } }): string =>
  p.team?.id ?? p.user.team_id ?? '';

/** The conversation of the message a button sits in (`container` in messages, `channel` in older payloads). */
export const channelOf = (click: ButtonClick): string | undefined => click.container?.channel_id ?? click.channel?.id;

export const UNUSABLE_NOTE =
  '⚠️ Slack sent me that request without the details I need, so I could not act on it. Please try again.';

/**
 * A payload its handler cannot use: logged by its shape (field paths, never content), and the clicking user is told
 * briefly when Slack gave a way to reach them (response_url), instead of the click doing nothing.
 */
export async function refuseUnusable(
  what: string,
  error: z.ZodError,
  respond: RespondFn | undefined,
  log: Logger,
): Promise<void> {
  log.warn({ issues: issuesOf(error), told_user: Boolean(respond) }, `unusable ${what}`);
  await respond?.({ response_type: 'ephemeral', replace_original: false, text: UNUSABLE_NOTE }).catch((err: Error) =>
    log.debug({ err: { message: err.message } }, 'could not tell the user'),
  );
}
