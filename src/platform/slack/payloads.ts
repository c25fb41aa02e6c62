import { z } from 'zod';
import { slackFileSchema } from './files/slack-file.js';

/** The parts of a message shortcut (message_action) payload the handlers use. */
export const messageActionSchema = z.looseObject({
  type: z.literal('message_action'),
  callback_id: z.string(),
  trigger_id: z.string().min(1),
  action_ts: z.string().min(1),
  team: z.looseObject({ id: z.string().min(1) }),
  user: z.looseObject({ id: z.string().min(1) }),
  channel: z.looseObject({ id: z.string().min(1) }),
  message: z.looseObject({
    ts: z.string().min(1),
    text: z.string().default(''),
    user: z.string().optional(),
    thread_ts: z.string().optional(),
    files: z.array(slackFileSchema).optional(),
  }),
});
export type MessageAction = z.infer<typeof messageActionSchema>;

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
