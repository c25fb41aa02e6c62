import { z } from 'zod';

/**
 * `knowledge`: the team's sources, searched by search_knowledge and cited under answers. Each kind keeps its own
 * schema below so its settings (and the env variables holding its credentials) live in one place.
 */

const sourceName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { error: 'use lowercase letters, digits, - and _ (up to 40)' })
  .refine((n) => n !== 'approved', { error: '"approved" is the built-in source of saved answers' })
  .describe('Names the source in citations, status and /threadwise sync.');

const base = { name: sourceName };

export const folderSourceSchema = z.object({ ...base, kind: z.literal('folder') }).strict();
export const websiteSourceSchema = z.object({ ...base, kind: z.literal('website') }).strict();
export const confluenceSourceSchema = z.object({ ...base, kind: z.literal('confluence') }).strict();
export const notionSourceSchema = z.object({ ...base, kind: z.literal('notion') }).strict();
export const zendeskGuideSourceSchema = z.object({ ...base, kind: z.literal('zendesk_guide') }).strict();
export const googleDriveSourceSchema = z.object({ ...base, kind: z.literal('google_drive') }).strict();

export const knowledgeSourceSchema = z.discriminatedUnion('kind', [
  folderSourceSchema,
  websiteSourceSchema,
  confluenceSourceSchema,
  notionSourceSchema,
  zendeskGuideSourceSchema,
  googleDriveSourceSchema,
]);
export type KnowledgeSourceConfig = z.infer<typeof knowledgeSourceSchema>;

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The weekly digest of questions the sources could not answer (hand-offs, "not in the sources"). */
export const gapsDigestSchema = z
  .object({
    channel: z
      .string()
      .regex(/^[CG][A-Z0-9]+$/, { error: 'channel ids look like C0123ABCD' })
      .describe('Where the weekly digest is posted (the bot must be a member).'),
    day: z.enum(WEEKDAYS).default('monday').describe('The weekday the digest is prepared on, in UTC.'),
    hour: z
      .number()
      .int()
      .min(0)
      .max(23)
      .default(9)
      .describe(
        'The hour (0–23, UTC) the digest is prepared; it is posted once OpenAI’s Batch API has grouped the questions (minutes to hours later).',
      ),
  })
  .strict();
export type GapsDigestConfig = z.infer<typeof gapsDigestSchema>;

export const knowledgeSchema = z
  .object({
    slack_search: z
      .boolean()
      .default(false)
      .describe(
        'Before answering a typed question, search earlier Slack messages the asker can see (Slack’s Real-time Search API, `assistant.search.context`) and link an earlier thread that answers it. Results are used for that answer only: never stored, indexed or logged. Needs the `search:read.public` bot scope.',
      ),
    gaps: gapsDigestSchema
      .optional()
      .describe(
        'A weekly digest of the questions that ended in a desk hand-off or "not in the sources", grouped by topic; without it gaps are still recorded (five weeks) but no digest is posted.',
      ),
    sources: z
      .array(knowledgeSourceSchema)
      .default([])
      .refine((list) => new Set(list.map((s) => s.name)).size === list.length, {
        error: 'two sources have the same name',
      })
      .describe('Where the team’s knowledge lives; `policies.dir` counts as a folder source named "policies".'),
  })
  .strict();
export type KnowledgeConfig = z.infer<typeof knowledgeSchema>;
