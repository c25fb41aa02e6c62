import { z } from 'zod';

const userId = z.string().regex(/^[UW][A-Z0-9]+$/, { error: 'Slack user ids look like U0123ABCD' });
const projectKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,19}$/, { error: 'project keys are upper-case letters and digits, such as SUP' });

export const TOOL_NAMES = ['lookup_ticket', 'search_tickets', 'search_policies', 'create_ticket'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

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
    agents: z.array(userId).default([]).describe('Users who may see every ticket, anywhere.'),
    channels: z
      .record(
        z.string().regex(/^[CG][A-Z0-9]+$/, { error: 'channel ids look like C0123ABCD (DMs cannot grant projects)' }),
        z
          .object({
            projects: z.array(projectKey).min(1).describe('Projects whose tickets anyone in this channel may see.'),
          })
          .strict(),
      )
      .default({})
      .describe(
        'Per channel: the projects whose tickets may be shown there. Anyone else, anywhere, sees only tickets they requested.',
      ),
  })
  .strict();

export const policiesSchema = z
  .object({
    dir: z
      .string()
      .min(1)
      .describe(
        'Folder of Markdown or text policy documents, indexed at startup; relative paths start at the config file.',
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
      .array(z.enum(TOOL_NAMES))
      .optional()
      .describe('Tools the model may use; default: every tool whose backend is configured (tickets, policies).'),
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
