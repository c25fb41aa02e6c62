import { z } from 'zod';
import type { AccessConfig } from '../../config/tools-schema.js';
import { type AnyTool, defineSpec, defineTool } from '../../platform/tools/types.js';
import { ticketVisibility } from './access.js';
import type { Ticket, TicketProvider } from './providers/types.js';
import { shownTicket, ticketForModel, ticketSource } from './ticket-format.js';

const TABLE_NOTE =
  'The user sees these tickets as a table under your answer (id, title, status, priority, assignee): do not repeat them as a list; answer the question or summarize.';

/** Candidates gathered before access filtering, and results returned after it. */
const CANDIDATES = 60;
const RESULTS = 10;

const parameters = z.strictObject({
  query: z
    .string()
    .trim()
    .max(200)
    .nullable()
    .describe(
      'Words to search for in ticket titles and descriptions (at most 200 characters); null lists the most recently updated tickets.',
    ),
  status: z
    .enum(['open', 'closed'])
    .nullable()
    .describe('open: not yet resolved; closed: resolved or closed; null: any status.'),
});

export const searchTicketsSpec = defineSpec({
  name: 'search_tickets',
  description:
    "Search support tickets by words and status. Returns only tickets the asking user may see (their own, their channel's projects, or all for support agents), most relevant first.",
  parameters,
  progress: (args) =>
    args.query ? { step: 'search_tickets', values: { query: args.query.slice(0, 40) } } : { step: 'list_tickets' },
});

/** search_tickets: matching tickets, silently limited to those the asking user may see. */
export function searchTicketsTool(deps: { provider: TicketProvider; access: () => AccessConfig }): AnyTool {
  return defineTool({
    ...searchTicketsSpec,
    authorize: () => undefined,
    async run(ctx, args, signal) {
      const found = await deps.provider.search(
        { text: args.query || null, status: args.status, limit: CANDIDATES },
        signal,
      );
      return found.filter((t) => ticketVisibility(deps.access(), ctx, t) !== 'none').slice(0, RESULTS);
    },
    format(result, maxChars) {
      const tickets = result as Ticket[];
      const per = Math.max(120, Math.floor(maxChars / Math.max(1, tickets.length)) - 400);
      return {
        count: tickets.length,
        // The reply shows two or more tickets as a table of its own: the answer need not list them again.
        ...(tickets.length > 1 ? { note: TABLE_NOTE } : {}),
        tickets: tickets.map((t) => ticketForModel(t, Math.min(per, 400))),
      };
    },
    sources: (result) => (result as Ticket[]).map(ticketSource),
    tickets: (result) => (result as Ticket[]).map(shownTicket),
  });
}
