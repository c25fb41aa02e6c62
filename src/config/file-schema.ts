import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';

export const DEFAULT_INSTRUCTIONS = [
  'You are Threadwise, an assistant inside Slack for support and operations teams.',
  'Answer in concise GitHub-flavoured Markdown: short paragraphs, lists, fenced code blocks with a language.',
  'Messages from people are prefixed with their name; several people may talk in one thread.',
  'When you are not sure, say so plainly instead of guessing.',
].join('\n');

/** Settings that may differ per channel; unset fields fall back to `defaults`, then to built-in values. */
export const channelSettingsSchema = z
  .object({
    instructions: z.string().min(1).describe('System instructions (persona) sent with every turn.'),
    model: z.string().min(1).describe('Model id; a dated snapshot such as gpt-4o-2024-11-20 pins behaviour.'),
    max_output_tokens: z.number().int().min(16).max(16_384).describe('Output cap per model call (16 to 16,384).'),
    require_mention: z.boolean().describe('When true, follow-ups in a thread need an @mention too.'),
    image_detail: z.enum(['low', 'high', 'auto']).describe('Vision detail for images in this channel.'),
  })
  .partial()
  .strict();

export type ChannelSettingsInput = z.infer<typeof channelSettingsSchema>;

export const fileConfigSchema = z
  .object({
    defaults: channelSettingsSchema.default({}).describe('Settings for every conversation without its own entry.'),
    dm: channelSettingsSchema.default({}).describe('Overrides for direct messages (the Messages tab).'),
    channels: z
      .record(z.string().regex(/^[CGD][A-Z0-9]+$/, { error: 'channel ids look like C0123ABCD' }), channelSettingsSchema)
      .default({})
      .describe('Per-channel overrides keyed by channel id.'),
    slack: z
      .object({
        allow_bots: z
          .union([z.boolean(), z.array(z.string().regex(/^B[A-Z0-9]+$/))])
          .default(false)
          .describe('Answer other bots: false, true, or a list of bot ids (B…). The bot never answers itself.'),
        first_flush_ms: z.number().int().min(0).max(2_000).default(120).describe('How long to gather the first words before showing them.'),
        flush_interval_ms: z.number().int().min(250).max(10_000).default(1_000).describe('Minimum time between Slack writes while streaming.'),
        native_streaming: z.boolean().default(true).describe('Use chat.startStream; false posts and edits a message instead.'),
      })
      .strict()
      .default({ allow_bots: false, first_flush_ms: 120, flush_interval_ms: 1_000, native_streaming: true }),
    openai: z
      .object({
        store: z.boolean().default(false).describe('Let OpenAI keep responses (needed for chain_previous_response).'),
        chain_previous_response: z.boolean().default(false).describe('Send previous_response_id instead of the full history.'),
        max_retries: z.number().int().min(0).max(8).default(2).describe('Retries for 429, 5xx and connection errors.'),
        stall_timeout_ms: z.number().int().min(1_000).max(600_000).default(45_000).describe('Abort a stream that sends nothing for this long.'),
        request_timeout_ms: z.number().int().min(1_000).max(900_000).default(120_000).describe('Time allowed until response headers arrive.'),
      })
      .strict()
      .default({ store: false, chain_previous_response: false, max_retries: 2, stall_timeout_ms: 45_000, request_timeout_ms: 120_000 }),
    state: z
      .object({
        ttl_days: z.number().min(1 / 24).max(365).default(30).describe('How long a thread is remembered after its last message.'),
        dedupe_ttl_hours: z.number().min(1).max(168).default(24).describe('How long an event id is remembered to drop Slack retries.'),
        key_prefix: z.string().regex(/^[a-z0-9:_-]+$/).default('tw:').describe('Prefix of every Redis key.'),
      })
      .strict()
      .default({ ttl_days: 30, dedupe_ttl_hours: 24, key_prefix: 'tw:' }),
    privacy: z
      .object({
        redact_before_openai: z
          .boolean()
          .default(false)
          .describe('Replace emails, phone numbers, card numbers, IBANs and API tokens with placeholders in every text sent to OpenAI.'),
        phone_region: z
          .string()
          .refine(isSupportedCountry, { error: 'must be a two-letter country code such as US or DE' })
          .default('US')
          .describe('Country whose national phone formats are recognised when redacting (numbers with +country codes are always found).'),
      })
      .strict()
      .default({ redact_before_openai: false, phone_region: 'US' })
      .describe('PII redaction; the fine-tuning export always redacts.'),
  })
  .strict();

export type FileConfig = z.infer<typeof fileConfigSchema>;
