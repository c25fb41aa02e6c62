import type { ShownTicket } from '../../turn/ports.js';
import type { Ticket } from './providers/types.js';

const clip = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`);

/** A ticket as the model reads it (snake_case, no internal fields), with the description cut to `maxDescription`. */
export function ticketForModel(t: Ticket, maxDescription: number): Record<string, unknown> {
  return {
    id: t.id,
    project: t.project,
    title: t.title,
    status: t.status,
    priority: t.priority,
    assignee: t.assignee,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    url: t.url,
    description: clip(t.description, maxDescription),
  };
}

/** Sources shown with a step: at most this many links (a search may find ten tickets). */
const MAX_SOURCES = 5;

/** The pages of tickets the asker may see (the tools pass only those), as a step's sources: "SUP-101 Printer jammed". */
export function ticketSources(tickets: readonly Ticket[]): Array<{ url: string; text: string }> {
  return tickets
    .filter((t): t is Ticket & { url: string } => Boolean(t.url && /^https?:\/\//.test(t.url)))
    .slice(0, MAX_SOURCES)
    .map((t) => ({ url: t.url, text: clip(`${t.id} ${t.title}`, 80) }));
}

/** A ticket as the reply presents it beside the answer (nothing the access rules would not show the asker). */
export const shownTicket = (t: Ticket): ShownTicket => ({
  id: t.id,
  title: t.title,
  status: t.status,
  priority: t.priority,
  assignee: t.assignee,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  url: t.url,
});
