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

const syncEveryMinutes = z
  .number()
  .int()
  .min(5)
  .max(7 * 24 * 60)
  .describe('Minutes between scheduled syncs (5 to 10080).');

const base = {
  name: sourceName,
  sync_every_minutes: syncEveryMinutes
    .optional()
    .describe('Minutes between scheduled syncs of this source (5 to 10080); default `knowledge.sync_every_minutes`.'),
};

export const folderSourceSchema = z
  .object({
    ...base,
    kind: z.literal('folder'),
    dir: z
      .string()
      .min(1)
      .describe(
        'Folder of Markdown, text, PDF and DOCX documents (subfolders included); relative paths start at the config file.',
      ),
    max_file_mb: z
      .number()
      .positive()
      .max(200)
      .default(20)
      .describe('Files larger than this many megabytes are skipped, with a note in the source status (up to 200).'),
  })
  .strict();
export const websiteSourceSchema = z
  .object({
    ...base,
    kind: z.literal('website'),
    url: z
      .url({ protocol: /^https?$/, error: 'an http(s) URL of a sitemap.xml (or a sitemap index)' })
      .describe(
        'The site’s sitemap.xml (or a sitemap index); its pages on the same host are read, as robots.txt allows for the user-agent Threadwise.',
      ),
    max_pages: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(500)
      .describe('Pages read at most, in sitemap order; the rest are left out with a note in the source status.'),
  })
  .strict();
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

const embeddingsSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('false: search with BM25 alone and never call the embeddings endpoint.'),
    model: z
      .string()
      .min(1)
      .default('text-embedding-3-small')
      .describe('Embedding model; priced from pricing.models like any model (input tokens only).'),
    dimensions: z
      .number()
      .int()
      .min(64)
      .max(3_072)
      .optional()
      .describe("Vector size asked of text-embedding-3 models (smaller is cheaper to keep); unset: the model's own."),
    min_similarity: z
      .number()
      .min(0)
      .max(1)
      .default(0.3)
      .describe(
        'Cosine similarity below which a passage does not count as found by its meaning (BM25 can still find it by its words).',
      ),
  })
  .strict();

export const knowledgeSchema = z
  .object({
    sync_every_minutes: syncEveryMinutes
      .default(60)
      .describe('Minutes between scheduled syncs of each source (5 to 10080); a source may set its own.'),
    sources: z
      .array(knowledgeSourceSchema)
      .default([])
      .refine((list) => new Set(list.map((s) => s.name)).size === list.length, {
        error: 'two sources have the same name',
      })
      .describe('Where the team’s knowledge lives; `policies.dir` counts as a folder source named "policies".'),
    embeddings: embeddingsSchema
      .prefault({})
      .describe(
        'Vectors beside BM25 for search_knowledge, from the embeddings endpoint of OPENAI_BASE_URL; a server without it (404/400) leaves BM25 alone.',
      ),
  })
  .strict();
export type KnowledgeConfig = z.infer<typeof knowledgeSchema>;
