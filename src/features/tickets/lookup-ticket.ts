import { z } from 'zod';
import type { AccessConfig } from '../../config/tools-schema.js';
import { type AnyTool, defineSpec, defineTool, ToolError } from '../../platform/tools/types.js';
import { ticketVisibility } from './access.js';
import type { Ticket, TicketProvider } from './providers/types.js';
import { shownTicket, ticketForModel, ticketSource } from './ticket-format.js';

const parameters = z.strictObject({
  ticket_id: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9#/_.-]+$/, { error: 'a ticket id has letters, digits and - # / _ . only' })
    .describe('The ticket id exactly as the user gave it, e.g. SUP-101 (at most 64 characters).'),
});

export const lookupTicketSpec = defineSpec({
  name: 'lookup_ticket',
  description:
    'Look up one support ticket by its id: title, status, priority, assignee, dates, link and description. The server checks whether the asking user may see it.',
  parameters,
  progress: (args) => ({ step: 'lookup_ticket', values: { id: args.ticket_id } }),
});

/** lookup_ticket: one ticket, shown only to people the access rules allow. */
export function lookupTicketTool(deps: { provider: TicketProvider; access: () => AccessConfig }): AnyTool {
  return defineTool({
    ...lookupTicketSpec,
    authorize: () => undefined,
    async run(ctx, args, signal) {
      const ticket = await deps.provider.get(args.ticket_id, signal);
      if (!ticket) throw new ToolError('not_found', `There is no ticket ${args.ticket_id}.`);
      if (ticketVisibility(deps.access(), ctx, ticket) === 'none') {
        // Nothing about the ticket itself: not its title, status or project.
        throw new ToolError(
          'not_permitted',
          {
            model: `The asking user is not permitted to see ticket ${args.ticket_id} in this conversation. Say so; do not guess at its content.`,
            user: { key: 'tools.error.ticket_not_permitted', values: { id: args.ticket_id } },
          },
          'access: not an agent, not a project of this channel, not the requester',
        );
      }
      return ticket;
    },
    format: (result, maxChars) => ticketForModel(result as Ticket, Math.max(200, maxChars - 1_000)),
    sources: (result) => [ticketSource(result as Ticket)],
    tickets: (result) => [shownTicket(result as Ticket)],
  });
}
