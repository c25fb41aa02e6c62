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

/** Credentials stay in the environment: a source names the variable (as mcp.servers does), never holds a secret. */
const envName = (example: string) =>
  z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: `must name an environment variable, such as ${example}` });
const httpsUrl = (example: string) => z.url({ protocol: /^https?$/, error: `must be an https URL such as ${example}` });

export const confluenceSourceSchema = z
  .object({
    ...base,
    kind: z.literal('confluence'),
    site: httpsUrl('https://acme.atlassian.net').describe(
      'The Confluence Cloud site, such as https://acme.atlassian.net (without /wiki).',
    ),
    spaces: z
      .array(z.string().regex(/^~?[A-Za-z0-9_-]{1,255}$/, { error: 'must be a space key such as HR' }))
      .min(1)
      .describe('Keys of the spaces to read (every current page in each), such as [HR, IT].'),
    email_env: envName('CONFLUENCE_EMAIL')
      .default('CONFLUENCE_EMAIL')
      .describe('The environment variable holding the Atlassian account email the API token belongs to.'),
    token_env: envName('CONFLUENCE_TOKEN')
      .default('CONFLUENCE_TOKEN')
      .describe('The environment variable holding that account’s Atlassian API token (secret).'),
  })
  .strict();

export const notionSourceSchema = z
  .object({
    ...base,
    kind: z.literal('notion'),
    token_env: envName('NOTION_TOKEN')
      .default('NOTION_TOKEN')
      .describe('The environment variable holding the internal integration’s secret (secret).'),
    databases: z
      .array(z.string().regex(/^[0-9a-fA-F-]{32,36}$/, { error: 'must be a Notion database id (32 hex digits)' }))
      .optional()
      .describe(
        'Read only the pages of these databases. Unset: every page shared with the integration (Notion search).',
      ),
  })
  .strict();

export const zendeskGuideSourceSchema = z
  .object({
    ...base,
    kind: z.literal('zendesk_guide'),
    subdomain: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be the subdomain alone, such as acme for acme.zendesk.com' })
      .describe('The help center’s Zendesk subdomain: acme for acme.zendesk.com.'),
    locale: z
      .string()
      .regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i, { error: 'must be a locale such as en-us' })
      .optional()
      .describe('Read the articles of this locale only, such as en-us. Unset: every locale.'),
    auth: z
      .enum(['api_token', 'oauth'])
      .default('api_token')
      .describe('api_token: an agent email with an API token (Basic); oauth: a bearer OAuth access token.'),
    email_env: envName('ZENDESK_GUIDE_EMAIL')
      .default('ZENDESK_GUIDE_EMAIL')
      .describe('For auth: api_token, the environment variable holding the agent email the token acts as.'),
    token_env: envName('ZENDESK_GUIDE_TOKEN')
      .default('ZENDESK_GUIDE_TOKEN')
      .describe('The environment variable holding the API token, or the OAuth access token with auth: oauth (secret).'),
  })
  .strict();

export const googleDriveSourceSchema = z
  .object({
    ...base,
    kind: z.literal('google_drive'),
    folder_id: z
      .string()
      .regex(/^[A-Za-z0-9_-]{10,}$/, { error: 'must be a Drive folder id, the last part of the folder’s URL' })
      .describe('The folder shared with the service account (the id at the end of its URL); its subfolders too.'),
    credentials_env: envName('GOOGLE_DRIVE_CREDENTIALS')
      .default('GOOGLE_DRIVE_CREDENTIALS')
      .describe('The environment variable holding the service account’s JSON key itself, not a path (secret).'),
  })
  .strict();

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
