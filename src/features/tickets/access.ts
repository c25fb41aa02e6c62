import type { AccessConfig } from '../../config/tools-schema.js';
import type { ToolContext } from '../../platform/tools/types.js';
import type { Ticket } from './providers/types.js';

/** Why someone may see a ticket, or 'none'. */
export type Visibility = 'agent' | 'channel_project' | 'requester' | 'none';

const sameEmail = (a: string | null | undefined, b: string | null | undefined) =>
  Boolean(a && b && a.trim().toLowerCase() === b.trim().toLowerCase());

/**
 * The access rule, in one place: agents see every ticket anywhere; in a channel with projects, anyone sees those
 * projects' tickets; anyone else, anywhere, sees only tickets they requested (by Slack id or by their Slack email).
 */
export function ticketVisibility(
  access: AccessConfig,
  ctx: ToolContext,
  ticket: Pick<Ticket, 'project' | 'requesterSlackId' | 'requesterEmail'>,
): Visibility {
  if (ctx.agent || access.agents.includes(ctx.user.id)) return 'agent';
  if (!ctx.isDm && access.channels[ctx.channel]?.projects?.includes(ticket.project)) return 'channel_project';
  if (ticket.requesterSlackId === ctx.user.id || sameEmail(ticket.requesterEmail, ctx.user.email)) return 'requester';
  return 'none';
}

/** Projects this conversation grants (empty in DMs and unlisted channels). */
export function channelProjects(access: AccessConfig, ctx: ToolContext): string[] {
  return ctx.isDm ? [] : (access.channels[ctx.channel]?.projects ?? []);
}
