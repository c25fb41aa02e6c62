import { z } from 'zod';
import { lazyRequire } from '../lib/lazy-require.js';
import { assistantSchema } from './assistant-schema.js';
import { compatSchema, resolveCompat } from './compat.js';
import { knowledgeSchema } from './knowledge-schema.js';
import { MCP_LABEL, mcpSchema } from './mcp-schema.js';
import { REASONING_EFFORTS } from './models.js';
import { peopleRefs } from './people.js';
import { accessSchema, policiesSchema, ticketsSchema, toolNameSchema, toolsSchema } from './tools-schema.js';

/** Only a configured `privacy.phone_region` needs the country list, so the default never loads it. */
const phoneLib = lazyRequire<typeof import('libphonenumber-js')>('libphonenumber-js', import.meta.url);

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
    tools: z
      .array(toolNameSchema)
      .describe(
        'Tools usable here, by the model and by buttons such as a triage card’s “Create ticket” (a subset of those configured and enabled); [] turns tools off. Unset: all of them.',
      ),
    reasoning_effort: z
      .enum(REASONING_EFFORTS)
      .describe(
        'Reasoning models only: how hard the model thinks before answering here (overrides openai.reasoning_effort); the nearest effort the model accepts is sent.',
      ),
    reasoning_summary: z
      .enum(['auto', 'concise', 'detailed'])
      .describe(
        'Reasoning models only: ask for a summary of the reasoning and show it as the thread status while the model thinks. Unset: no summary.',
      ),
    mcp_servers: z
      .array(z.string().regex(MCP_LABEL, { error: 'must be the label of a server in mcp.servers' }))
      .describe(
        'MCP servers (by label) whose tools are usable here, next to the built-in `tools` list; [] turns MCP off here. Unset: every server in mcp.servers.',
      ),
    answer_only_from_sources: z
      .boolean()
      .describe(
        'true: questions here are answered only from what search_knowledge finds; when it finds nothing, the bot says it could not find it in the sources (naming desk.oncall, when set) instead of answering from general knowledge, and records the gap. Unset: false.',
      ),
    answer_visibility: z
      .enum(['thread', 'broadcast'])
      .describe(
        'thread: answers stay in the thread; broadcast: the first message of each answer is also sent to the channel (reply_broadcast, posted instead of streamed). Ignored in DMs.',
      ),
  })
  .partial()
  .strict();

export type ChannelSettingsInput = z.infer<typeof channelSettingsSchema>;

/** A help channel's desk: answer top-level questions when sure, hand off to people, escalate unanswered ones. */
export const deskSchema = z
  .object({
    auto_answer: z
      .boolean()
      .default(true)
      .describe('Answer top-level questions in this channel without a mention, when confident and citing a source.'),
    min_confidence: z
      .number()
      .min(0)
      .max(1)
      .default(0.7)
      .describe(
        'Probability (0 to 1, from the model’s token log-probabilities) that the question can be answered from the sources found; below it the bot does not answer on its own.',
      ),
    oncall: peopleRefs(
      'Slack user-group ids (S…), user ids (U…) or @handles of groups or people, mentioned on hand-offs and escalations.',
    ),
    sla_minutes: z
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(30)
      .describe(
        'Escalate in the thread when no person has replied this long after the question or hand-off (again at twice the time); fractions allowed.',
      ),
    auto_answers_per_hour: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(30)
      .describe(
        'Most unprompted answers per hour in this channel (across replicas); beyond it questions wait for a person, with the SLA clock running.',
      ),
  })
  .strict();
export type DeskConfig = z.infer<typeof deskSchema>;

const channelEntrySchema = channelSettingsSchema
  .extend({ desk: deskSchema.optional().describe('Help-channel desk for this channel (see docs/desk.md).') })
  .strict();

/**
 * What admins may set for a channel from Slack (`/threadwise admin channel`), on top of its file entry: the same
 * keys, with `desk: null` for "no help desk here" even where the file has one.
 */
export const channelOverrideSchema = channelSettingsSchema.extend({ desk: deskSchema.nullable().optional() }).strict();
export type ChannelOverrideInput = z.infer<typeof channelOverrideSchema>;

const channelId = z.string().regex(/^[CGD][A-Z0-9]+$/, { error: 'channel ids look like C0123ABCD' });

const priceSchema = z
  .object({
    input: z.number().min(0).describe('US dollars per 1M input tokens.'),
    cached_input: z.number().min(0).describe('US dollars per 1M cached input tokens.'),
    output: z.number().min(0).describe('US dollars per 1M output tokens (reasoning tokens are billed as output).'),
    cache_write: z
      .number()
      .min(0)
      .optional()
      .describe('US dollars per 1M input tokens written to the prompt cache, for models that bill cache writes.'),
  })
  .strict();

/** List prices per 1M tokens; config entries are merged over these. */
const DEFAULT_PRICES: Record<string, z.infer<typeof priceSchema>> = {
  'gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
  'gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  // Embeddings bill input only.
  'text-embedding-3-small': { input: 0.02, cached_input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, cached_input: 0.13, output: 0 },
};

const contextSchema = z
  .object({
    max_input_tokens: z
      .number()
      .int()
      .min(1_000)
      .max(128_000)
      .default(32_000)
      .describe(
        'Most input tokens (instructions, tools and history) sent per model call; the oldest turns are dropped to fit. Never more than 128,000 minus the output cap.',
      ),
    summarize_model: z
      .string()
      .min(1)
      .optional()
      .describe(
        'When set, dropped turns are summarized with this (cheaper) model instead of being left out silently, e.g. gpt-4o-mini.',
      ),
  })
  .strict();

const limitsSchema = z
  .object({
    user_daily_tokens: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Tokens (input + output) one person may use per UTC day, checked before every model call; unset: no limit.',
      ),
    workspace_monthly_usd: z
      .number()
      .positive()
      .optional()
      .describe('US dollars a workspace may spend per UTC calendar month; unset: no limit.'),
    admins: peopleRefs(
      'People (user ids, user group ids S… or @handles) exempt from quotas who also see top users in /threadwise usage, run /threadwise admin, audit and retention, and get a DM (at most hourly) when the OpenAI account is out of quota or a reloaded settings file is refused.',
    ),
    channels: z
      .record(
        channelId,
        z
          .object({
            user_daily_tokens: z.number().int().positive().describe('Daily tokens per person in this channel.'),
          })
          .strict(),
      )
      .default({})
      .describe('Per-channel overrides of user_daily_tokens, keyed by channel id.'),
  })
  .strict();

const pricingSchema = z
  .object({
    models: z
      .record(z.string().min(1), priceSchema)
      .default({})
      .transform((given) => ({ ...DEFAULT_PRICES, ...given }))
      .describe(
        'Prices per model id (a dated snapshot is priced like its alias), merged over the defaults for gpt-4o ($2.50 / $1.25 cached / $10.00), gpt-4o-mini, gpt-4.1, gpt-4.1-mini, gpt-5 and gpt-5-mini. Add newer models (and their cache_write price) here before switching to them.',
      ),
    batch_multiplier: z.number().min(0).max(1).default(0.5).describe('Price multiplier for Batch API calls.'),
    fallback_model: z
      .string()
      .min(1)
      .default('gpt-4o')
      .describe('Prices used for a model missing from the table (a warning is logged).'),
  })
  .strict()
  .refine((p) => p.models[p.fallback_model] !== undefined, {
    error: 'needs a price in pricing.models',
    path: ['fallback_model'],
  });

const rateLimitsSchema = z
  .object({
    max_concurrent_calls: z
      .number()
      .int()
      .min(1)
      .max(512)
      .default(256)
      .describe(
        'Model calls in flight at once per replica (default: as many as queue.concurrency runs turns; a streaming call mostly waits on the network, so hundreds fit in one process); more turns wait in line.',
      ),
    tokens_per_minute: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Tokens per minute to stay under until OpenAI reports the real limit in x-ratelimit-* headers.'),
  })
  .strict();

export const fileConfigSchema = z
  .object({
    defaults: channelSettingsSchema.default({}).describe('Settings for every conversation without its own entry.'),
    dm: channelSettingsSchema.default({}).describe('Overrides for direct messages (the Messages tab).'),
    channels: z
      .record(channelId, channelEntrySchema)
      .default({})
      .describe('Per-channel overrides keyed by channel id, and each channel’s help desk (`desk`).'),
    slack: z
      .object({
        allow_bots: z
          .union([z.boolean(), z.array(z.string().regex(/^B[A-Z0-9]+$/))])
          .default(false)
          .describe('Answer other bots: false, true, or a list of bot ids (B…). The bot never answers itself.'),
        first_flush_ms: z
          .number()
          .int()
          .min(0)
          .max(2_000)
          .default(0)
          .describe('How long to gather the first words before showing them (0: on the first token).'),
        flush_interval_ms: z
          .number()
          .int()
          .min(250)
          .max(10_000)
          .default(1_000)
          .describe(
            'Minimum time between Slack writes after the first words while streaming (doubles each time Slack rate-limits the reply).',
          ),
        native_streaming: z
          .boolean()
          .default(true)
          .describe('Use chat.startStream; false posts and edits a message instead.'),
        task_display_mode: z
          .enum(['timeline', 'plan'])
          .default('timeline')
          .describe(
            "How Slack lays out the answer's tool calls (thinking steps) in a streamed answer: timeline (each step in order as it happens) or plan (a grouped checklist). Where steps cannot be streamed they show as the thread status.",
          ),
      })
      .strict()
      .prefault({})
      .describe('How Threadwise talks to Slack.'),
    openai: z
      .object({
        store: z.boolean().default(false).describe('Let OpenAI keep responses (needed for chain_previous_response).'),
        chain_previous_response: z
          .boolean()
          .default(false)
          .describe('Send previous_response_id instead of the full history.'),
        max_retries: z.number().int().min(0).max(8).default(2).describe('Retries for 429, 5xx and connection errors.'),
        stall_timeout_ms: z
          .number()
          .int()
          .min(1_000)
          .max(600_000)
          .default(45_000)
          .describe('Abort a stream that sends nothing for this long.'),
        request_timeout_ms: z
          .number()
          .int()
          .min(1_000)
          .max(900_000)
          .default(120_000)
          .describe('Time allowed until response headers arrive.'),
        auth_header: z
          .enum(['authorization', 'api-key'])
          .default('authorization')
          .describe(
            'How OPENAI_API_KEY is sent: `authorization` (Bearer, OpenAI and most servers) or `api-key` (Azure OpenAI keys).',
          ),
        fallback_model: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Model that answers instead when OpenAI says the configured one does not exist or is shut down (model_not_found): turns continue on it at once, admins are told once, and the usage log names the model that answered.',
          ),
        reasoning_effort: z
          .enum(REASONING_EFFORTS)
          .optional()
          .describe(
            'Reasoning models only: effort for answers, triage and summaries unless a channel sets its own. Unset: answers use the lowest effort the model allows (the first token comes soonest); triage leaves it to the model.',
          ),
        prompt_cache_retention: z
          .enum(['in_memory', '24h'])
          .optional()
          .describe(
            'How long OpenAI keeps cached prompt prefixes (`prompt_cache_retention`); sent only to models that accept the value, left out for others.',
          ),
        compat: compatSchema
          .default({ preset: 'openai' })
          .describe('What the server behind OPENAI_BASE_URL supports; see docs/compatibility.md.'),
      })
      .strict()
      .superRefine((o, ctx) => {
        const compat = resolveCompat(o.compat);
        if (o.store && !compat.store)
          ctx.addIssue({
            code: 'custom',
            path: ['store'],
            message: `cannot be true: the ${o.compat.preset} compat setting says this server does not store responses`,
          });
        if (o.chain_previous_response && !compat.previousResponseId)
          ctx.addIssue({
            code: 'custom',
            path: ['chain_previous_response'],
            message: `cannot be true: the ${o.compat.preset} compat setting says this server cannot continue stored responses`,
          });
      })
      .prefault({})
      .describe('The model server: retries, timeouts, stored responses and compatibility.'),
    files: z
      .object({
        images_per_turn: z
          .number()
          .int()
          .min(0)
          .max(50)
          .default(10)
          .describe('Images read from one message; further images are skipped with a notice (0 turns vision off).'),
        max_request_bytes: z
          .number()
          .int()
          .min(1_000_000)
          .max(50_000_000)
          .default(50_000_000)
          .describe(
            "Bytes of images and PDFs sent in one model request, history included; older ones are left out first and named in the answer. OpenAI's own per-request limits apply too: 32 MB and 100 pages of PDFs, 50 MB and 500 images.",
          ),
        max_download_bytes: z
          .number()
          .int()
          .min(1_000)
          .max(200_000_000)
          .default(50_000_000)
          .describe('Largest Slack file downloaded at all; bigger files are skipped without downloading.'),
        max_pdf_bytes: z
          .number()
          .int()
          .min(1_000)
          .max(32_000_000)
          .default(32_000_000)
          .describe('Largest PDF sent to the model (OpenAI reads up to 32 MB of files per request).'),
        text_max_chars: z
          .number()
          .int()
          .min(1_000)
          .max(1_000_000)
          .default(50_000)
          .describe(
            'Characters of a text file (txt, md, csv, json, log, code) inlined into the question; longer files are cut with a note.',
          ),
        max_kept_per_thread: z
          .number()
          .int()
          .min(0)
          .max(100)
          .default(20)
          .describe('Images and PDFs kept per thread for follow-up questions; the oldest are forgotten first.'),
        download_timeout_ms: z
          .number()
          .int()
          .min(1_000)
          .max(300_000)
          .default(30_000)
          .describe('Time allowed to download one file from Slack.'),
      })
      .strict()
      .prefault({})
      .describe('Slack attachments: screenshots, PDFs and text files.'),
    queue: z
      .object({
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(512)
          .default(256)
          .describe(
            'Turns one process runs at once (different threads; a thread runs one turn at a time). A streaming turn mostly waits on OpenAI and Slack, so hundreds fit in one process; a question beyond this waits and is told its place in line.',
          ),
        lock_ms: z
          .number()
          .int()
          .min(1_000)
          .max(600_000)
          .default(30_000)
          .describe(
            'How long a running turn holds its job and thread lock without renewal; after a crash another replica takes the turn over once this has passed.',
          ),
        stalled_check_ms: z
          .number()
          .int()
          .min(500)
          .max(600_000)
          .default(15_000)
          .describe('How often a replica looks for turns whose process died (needs Redis).'),
        shutdown_grace_ms: z
          .number()
          .int()
          .min(0)
          .max(600_000)
          .default(30_000)
          .describe(
            'On SIGTERM, how long running turns get to finish before the process exits (unfinished ones are taken over by another replica when Redis is used).',
          ),
      })
      .strict()
      .prefault({}),
    state: z
      .object({
        ttl_days: z
          .number()
          .min(1 / 24)
          .max(365)
          .default(30)
          .describe('How long a thread is remembered after its last message.'),
        dedupe_ttl_hours: z
          .number()
          .min(1)
          .max(168)
          .default(24)
          .describe('How long an event id is remembered to drop Slack retries.'),
        key_prefix: z
          .string()
          .regex(/^[a-z0-9:_-]+$/)
          .default('tw:')
          .describe('Prefix of every Redis key.'),
        channels: z
          .record(
            channelId,
            z
              .object({
                ttl_days: z
                  .number()
                  .min(1 / 24)
                  .max(365)
                  .describe('How long a thread in this channel is remembered after its last message.'),
              })
              .strict(),
          )
          .default({})
          .describe('Per-channel overrides of ttl_days, keyed by channel id (a DM id for one direct message).'),
      })
      .strict()
      .prefault({})
      .describe('Conversation memory and Slack retry deduplication (Redis when REDIS_URL is set).'),
    context: contextSchema.prefault({}).describe('How much of a thread is sent to the model.'),
    audit: z
      .object({
        retention_days: z
          .number()
          .int()
          .min(1)
          .max(3_650)
          .default(90)
          .describe('How long audit records are kept; older ones are trimmed as new ones are written.'),
      })
      .strict()
      .prefault({})
      .describe(
        'The audit trail of what the bot did on whose behalf (tool calls, approvals, tickets, admin changes, forget-me runs), in Redis.',
      ),
    limits: limitsSchema
      .prefault({})
      .describe('Usage quotas, checked before every model call and enforced atomically across replicas.'),
    pricing: pricingSchema.prefault({}).describe('Prices that turn token usage into US dollars.'),
    rate_limits: rateLimitsSchema
      .prefault({})
      .describe('App-level limiter that keeps model calls under OpenAI rate limits.'),
    assistant: assistantSchema
      .prefault({})
      .describe('The Messages tab (agent messaging), thread titles and statuses while working.'),
    tickets: ticketsSchema
      .optional()
      .describe(
        'The ticket system behind lookup_ticket, search_tickets and create_ticket; without it those tools are off.',
      ),
    access: accessSchema
      .prefault({})
      .describe(
        'Where the bot may speak, who may ask, and who may see which ticket. Checked by the server on every event and tool call, whatever the model asks.',
      ),
    policies: policiesSchema
      .optional()
      .describe(
        'A folder of documents indexed as the knowledge source "policies" behind search_knowledge (formerly search_policies); without it and without knowledge.sources that tool is off.',
      ),
    knowledge: knowledgeSchema
      .prefault({})
      .describe('The team’s knowledge sources behind search_knowledge, synced on a schedule and cited under answers.'),
    tools: toolsSchema.prefault({}).describe('Limits of the function-calling loop.'),
    mcp: mcpSchema
      .prefault({})
      .describe('Tools of MCP servers, called as the asker, reads without a click and writes behind an approval card.'),
    privacy: z
      .object({
        redact_before_openai: z
          .boolean()
          .default(false)
          .describe(
            'Replace emails, phone numbers, card numbers, IBANs and API tokens with placeholders in every text sent to OpenAI.',
          ),
        phone_region: z
          .string()
          .refine((code) => phoneLib().isSupportedCountry(code), {
            error: 'must be a two-letter country code such as US or DE',
          })
          .default('US')
          .describe(
            'Country whose national phone formats are recognised when redacting (numbers with +country codes are always found).',
          ),
      })
      .strict()
      .prefault({})
      .describe('PII redaction; the fine-tuning export always redacts.'),
  })
  .strict();

export type FileConfig = z.infer<typeof fileConfigSchema>;
