import { z } from 'zod';
import { peopleRefs } from './people.js';

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
    locale: z
      .string()
      .regex(/^[a-z]{2,3}([-_][a-z0-9]{2,8})*$/i, { error: 'must be a locale such as de-DE or ja-JP' })
      .default('en-US')
      .describe(
        'The language the digest is written in, as a Slack locale (de-DE, fr-FR, es-ES, ja-JP, pt-BR; others read English). The digest channel is read by a team, not one person, so no one’s own language applies; the model names the topics in this language too.',
      ),
  })
  .strict();
export type GapsDigestConfig = z.infer<typeof gapsDigestSchema>;

export const knowledgeSchema = z
  .object({
    sync_every_minutes: syncEveryMinutes
      .default(60)
      .describe('Minutes between scheduled syncs of each source (5 to 10080); a source may set its own.'),
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
    editors: peopleRefs(
      'People (user ids, user group ids S… or @handles) who may save a bot answer or a resolved help-desk thread as an approved answer ("Save as answer"), and list, delete and export approved answers on App Home. Approved answers rank first in search_knowledge and are cited as approved. Empty: nobody can save.',
    ),
    embeddings: embeddingsSchema
      .prefault({})
      .describe(
        'Vectors beside BM25 for search_knowledge, from the embeddings endpoint of OPENAI_BASE_URL; a server without it (404/400) leaves BM25 alone.',
      ),
  })
  .strict();
export type KnowledgeConfig = z.infer<typeof knowledgeSchema>;
