import { z } from 'zod';
import type { AccessConfig } from '../../config/tools-schema.js';
import { type AnyTool, defineSpec, defineTool, type ToolContext, ToolError } from '../../platform/tools/types.js';
import { channelProjects } from './access.js';
import type { TicketApprovals } from './approvals.js';
import { PRIORITIES } from './providers/types.js';

const parameters = z.strictObject({
  title: z.string().trim().min(5).max(150).describe('A short summary of the problem or request (5 to 150 characters).'),
  description: z
    .string()
    .trim()
    .min(10)
    .max(4_000)
    .describe('What happened, what is needed, and any details the user gave (10 to 4,000 characters).'),
  priority: z.enum(PRIORITIES).describe('urgent only for outages or blocked work with no workaround.'),
});

export const createTicketSpec = defineSpec({
  name: 'create_ticket',
  description:
    'Propose a new support ticket. Nothing is created until the asking user clicks Approve on the card this posts in the thread; tell them so. Use it only when the user asks for a ticket.',
  parameters,
  progress: () => ({ step: 'create_ticket' }),
});

/** create_ticket: never writes on the model's word; it posts an approval card that only the asking user can approve. */
export function createTicketTool(deps: {
  approvals: TicketApprovals;
  /** The access rules as they are now (they reload). */
  access: () => AccessConfig;
  defaultProject?: string;
}): AnyTool {
  const projectFor = (ctx: ToolContext) => channelProjects(deps.access(), ctx)[0] ?? deps.defaultProject;
  return defineTool({
    ...createTicketSpec,
    authorize(ctx) {
      if (!projectFor(ctx))
        throw new ToolError(
          'permission_denied',
          {
            model:
              "Tickets cannot be created from this conversation: it is not linked to a project. Tell the user to ask in their team's support channel.",
            user: { key: 'tools.error.no_project' },
          },
          `access.channels.${ctx.channel}.projects / tickets.default_project`,
        );
    },
    async run(ctx, args) {
      const project = projectFor(ctx)!;
      const approval = await deps.approvals.request(ctx, {
        project,
        title: args.title,
        description: args.description,
        priority: args.priority,
        requester: { slackId: ctx.user.id, name: ctx.user.name, ...(ctx.user.email ? { email: ctx.user.email } : {}) },
      });
      return { status: 'awaiting_approval', project, approval_expires_at: new Date(approval.expiresAt).toISOString() };
    },
    format: (result) => ({
      ...(result as object),
      note: 'Nothing has been created yet. An approval card is in the thread; the ticket is created only if the asking user clicks Approve, and the outcome will appear in the thread.',
    }),
  });
}
