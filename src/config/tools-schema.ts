import { z } from 'zod';
import { peopleRefs } from './people.js';

const channelKey = z.string().regex(/^[CG][A-Z0-9]+$/, { error: 'channel ids look like C0123ABCD' });
const projectKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,19}$/, { error: 'project keys are upper-case letters and digits, such as SUP' });

export const TOOL_NAMES = ['lookup_ticket', 'search_tickets', 'search_knowledge', 'create_ticket'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

/** Names tools had before a rename: accepted wherever a tool is named and read as the tool's name now. */
export const TOOL_ALIASES: Readonly<Record<string, ToolName>> = { search_policies: 'search_knowledge' };

/** A tool's name now, for a name that may be an old one. */
export const canonicalToolName = (name: string): string => TOOL_ALIASES[name] ?? name;

/** A built-in tool's name in the settings; an old name (search_policies) is read as the new one. */
export const toolNameSchema = z
  .enum([...TOOL_NAMES, 'search_policies'])
  .transform((name): ToolName => canonicalToolName(name) as ToolName);

export const ticketsSchema = z
  .object({
    provider: z
      .enum(['file', 'jira', 'zendesk', 'github'])
      .default('file')
      .describe(
        'Where tickets live. file: a JSON array on disk; jira, zendesk, github: their REST APIs with credentials from the environment.',
      ),
    file: z
      .string()
      .min(1)
      .default('./tickets.json')
      .describe(
        'JSON array of tickets for the file provider; relative paths start at the config file. New tickets are written back to it.',
      ),
    project: projectKey
      .optional()
      .describe(
        'Project key that zendesk and github tickets belong to for access rules and ids (default ZD for zendesk, the repository name for github).',
      ),
    default_project: projectKey
      .optional()
      .describe(
        'Project for tickets created outside a channel with projects (DMs). Without it, create_ticket works only in such channels.',
      ),
    timeout_ms: z
      .number()
      .int()
      .min(500)
      .max(60_000)
      .default(8_000)
      .describe(
        'Time allowed to create an approved ticket, retries included (lookups and searches are bounded by tools.timeout_ms).',
      ),
  })
  .strict();

export const accessSchema = z
  .object({
    agents: peopleRefs(
      'People who may see every ticket, anywhere: user ids, user group ids (S…) or @handles (a group follows its members in Slack).',
    ),
    channels: z
      .record(
        z.string().regex(/^[CG][A-Z0-9]+$/, { error: 'channel ids look like C0123ABCD (DMs cannot grant projects)' }),
        z
          .object({
            projects: z
              .array(projectKey)
              .min(1)
              .optional()
              .describe('Projects whose tickets anyone in this channel may see.'),
            users: z
              .array(z.string().regex(/^([UW][A-Z0-9]+|S[A-Z0-9]+|@[a-z0-9][a-z0-9._-]*)$/))
              .min(1)
              .optional()
              .describe(
                'Only these people (user ids, user group ids or @handles) may ask the bot in this channel; others get a short private note. Unset: everyone in it.',
              ),
          })
          .strict(),
      )
      .default({})
      .describe(
        'Per channel: the projects whose tickets may be shown there, and who may ask there. Anyone else, anywhere, sees only tickets they requested.',
      ),
    allowed_channels: z
      .object({
        ids: z.array(channelKey).default([]).describe('Channels the bot serves, by id.'),
        public: z
          .boolean()
          .default(false)
          .describe('true: every public channel is served too; false: only the channels in `ids`.'),
        shared: z
          .boolean()
          .default(true)
          .describe(
            'false: never serve Slack Connect channels (shared with another organisation), even ones listed in `ids`.',
          ),
      })
      .strict()
      .optional()
      .describe(
        'Where the bot may speak. Unset: every channel it is in. Elsewhere a mention gets one short private note and nothing else; invited into such a channel, it tells the inviter once.',
      ),
    dms: z.boolean().default(true).describe('false: the bot answers no direct messages (the Messages tab).'),
  })
  .strict();

export const policiesSchema = z
  .object({
    dir: z
      .string()
      .min(1)
      .describe(
        'Folder of Markdown or text documents, indexed at startup as the knowledge source "policies" (searched by search_knowledge); relative paths start at the config file.',
      ),
    vector_store_id: z
      .string()
      .regex(/^vs_[A-Za-z0-9_-]+$/, { error: 'OpenAI vector store ids look like vs_abc123' })
      .optional()
      .describe("When set, OpenAI's hosted file_search over this vector store is offered too."),
    max_passages: z.number().int().min(1).max(10).default(4).describe('Passages returned per search.'),
  })
  .strict();

export const toolsSchema = z
  .object({
    enabled: z
      .array(toolNameSchema)
      .optional()
      .describe(
        'Tools the model may use; default: every tool whose backend is configured (tickets, knowledge). search_policies is the old name of search_knowledge.',
      ),
    max_rounds: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(6)
      .describe('Rounds of tool calls per turn before the turn stops with a notice.'),
    timeout_ms: z
      .number()
      .int()
      .min(500)
      .max(120_000)
      .default(15_000)
      .describe('Time one tool call (the model’s or a button’s) may take before it is answered with a timeout.'),
    max_output_chars: z
      .number()
      .int()
      .min(1_000)
      .max(100_000)
      .default(12_000)
      .describe('Size cap of one tool result sent to the model.'),
    approval_ttl_minutes: z
      .number()
      .int()
      .min(1)
      .max(10_080)
      .default(1_440)
      .describe('How long an approval card for create_ticket stays valid.'),
  })
  .strict();

export type TicketsConfig = z.infer<typeof ticketsSchema>;
export type AccessConfig = z.infer<typeof accessSchema>;
