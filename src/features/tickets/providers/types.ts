/** A ticket as every provider reports it; the access rules read project and requester. */
export interface Ticket {
  id: string;
  project: string;
  title: string;
  status: string;
  /** Whether the status means the work is done (resolved, closed, Done category…). */
  closed: boolean;
  priority: string | null;
  assignee: string | null;
  requesterSlackId: string | null;
  requesterEmail: string | null;
  createdAt: string;
  updatedAt: string;
  description: string;
  url: string | null;
}

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface NewTicket {
  project: string;
  title: string;
  description: string;
  priority: Priority;
  requester: { slackId: string; name: string; email?: string };
}

export interface TicketQuery {
  /** Free text; null lists the most recently updated tickets. */
  text: string | null;
  status: 'open' | 'closed' | null;
  /** How many candidates to gather (across pages) before access filtering. */
  limit: number;
}

/** A ticket system. Failures are ToolErrors whose one message, safe for the model and for people, states what happened; an unknown id is `undefined`. */
export interface TicketProvider {
  readonly name: string;
  get(id: string, signal: AbortSignal): Promise<Ticket | undefined>;
  search(query: TicketQuery, signal: AbortSignal): Promise<Ticket[]>;
  create(input: NewTicket, signal: AbortSignal): Promise<Ticket>;
}

/** Marker written into tickets the bot creates where the system has no field for a Slack requester. */
export const requesterMarker = (slackId: string): string => `<!-- threadwise:requester=${slackId} -->`;
export function requesterFromMarker(text: string | null | undefined): string | null {
  return /<!-- threadwise:requester=([UW][A-Z0-9]+) -->/.exec(text ?? '')?.[1] ?? null;
}
