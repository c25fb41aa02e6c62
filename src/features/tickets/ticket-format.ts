import type { ShownTicket, Source } from '../../turn/ports.js';
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

/** A ticket as the answer's sources name it: its provider URL, titled with its id and title. */
export const ticketSource = (t: Ticket): Source => ({
  title: `${t.id}: ${t.title}`,
  cue: t.id,
  ...(t.url ? { url: t.url } : {}),
});

/** A ticket as the reply presents it beside the answer (nothing the access rules would not show the asker). */
export const shownTicket = (t: Ticket): ShownTicket => ({
  id: t.id,
  project: t.project,
  title: t.title,
  status: t.status,
  priority: t.priority,
  assignee: t.assignee,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
  url: t.url,
});
