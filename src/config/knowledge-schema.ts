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
