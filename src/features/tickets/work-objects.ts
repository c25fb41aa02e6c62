import type { App } from '@slack/bolt';
import type { EntityMetadata } from '@slack/types';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AccessConfig } from '../../config/tools-schema.js';
import type { Translators } from '../../i18n/translators.js';
import { issuesOf } from '../../platform/slack/payloads.js';
import type { PeopleDirectory } from '../../platform/slack/people.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { ToolContext } from '../../platform/tools/types.js';
import type { ShownTicket } from '../../turn/ports.js';
import { channelProjects, ticketVisibility } from './access.js';
import type { Ticket, TicketProvider } from './providers/types.js';

/** Slack's Work Object type for a unit of work with a status and an assignee. */
export const TASK_ENTITY = 'slack#/entities/task';

const unix = (iso: string) => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
};

/**
 * A ticket as a Work Object (@slack/types EntityMetadata, `slack#/entities/task`). `full`: title, status, priority,
 * assignee and dates, for viewers the access rules let see it; otherwise only its id, which the link already shows.
 */
export function ticketEntity(ticket: ShownTicket, url: string, view: 'full' | 'id_only'): EntityMetadata {
  const ref = { id: ticket.id, type: 'ticket' };
  if (view === 'id_only')
    return {
      entity_type: TASK_ENTITY,
      url,
      app_unfurl_url: url,
      external_ref: ref,
      entity_payload: { attributes: { title: { text: ticket.id }, display_id: ticket.id } },
    };
  const created = unix(ticket.createdAt);
  const updated = unix(ticket.updatedAt);
  return {
    entity_type: TASK_ENTITY,
    url,
    app_unfurl_url: url,
    external_ref: ref,
    entity_payload: {
      attributes: { title: { text: ticket.title.slice(0, 255) || ticket.id }, display_id: ticket.id },
      fields: {
        status: { value: ticket.status },
        ...(ticket.priority ? { priority: { value: ticket.priority } } : {}),
        ...(ticket.assignee ? { assignee: { type: 'slack#/types/user', user: { text: ticket.assignee } } } : {}),
        ...(created ? { date_created: { value: created } } : {}),
        ...(updated ? { date_updated: { value: updated } } : {}),
      },
    },
  };
}

/** The ticket a pasted link names: its last path segment is the id, and the provider's own link must be the same. */
async function ticketOfLink(provider: TicketProvider, url: string): Promise<Ticket | undefined> {
  let id: string;
  try {
    id = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? '');
  } catch {
    return undefined;
  }
  if (!/^[A-Za-z0-9#/_.-]{1,64}$/.test(id)) return undefined;
  const ticket = await provider.get(id, AbortSignal.timeout(5_000));
  return ticket?.url && sameLink(ticket.url, url) ? ticket : undefined;
}

const sameLink = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

const linkSharedSchema = z.looseObject({
  type: z.literal('link_shared'),
  channel: z.string().min(1),
  user: z.string().min(1),
  message_ts: z.string().optional(),
  unfurl_id: z.string().optional(),
  source: z.string().optional(),
  links: z.array(z.looseObject({ url: z.string().min(1) })).max(20),
});

const detailsSchema = z.looseObject({
  type: z.literal('entity_details_requested'),
  user: z.string().min(1),
  trigger_id: z.string().min(1),
  entity_url: z.string().min(1),
  external_ref: z.looseObject({ id: z.string().min(1) }).optional(),
  channel: z.string().optional(),
});

const envelopeSchema = z.looseObject({ team_id: z.string().min(1) });

export interface WorkObjectDeps {
  provider: TicketProvider;
  /** The access rules as the settings say now (they reload live). */
  access: () => AccessConfig;
  /** Resolves user groups in `access.agents`; without it only user ids count. */
  people?: Pick<PeopleDirectory, 'includes'>;
  workspaces: SlackWorkspaces;
  /** The viewer's language for what the card tells them (their locale comes with the profile looked up anyway). */
  translators: Translators;
  log: Logger;
}

/**
 * Tickets as Work Objects: a pasted ticket link unfurls (chat.unfurl with metadata.entities), and opening one's
 * details (entity_details_requested) answers per viewer (entity.presentDetails) by the same rules as lookup_ticket.
 * An unfurl is seen by everyone in the conversation, so it carries the ticket's fields only where the conversation
 * itself grants them (a channel of the ticket's project, or the sharer's own DM with the bot); elsewhere the card
 * shows the id alone and each viewer's details are checked when they open it.
 */
export function registerWorkObjectHandlers(app: App, deps: WorkObjectDeps): void {
  app.event('link_shared', async ({ event, body, client }) => {
    const parsed = linkSharedSchema.safeParse(event);
    const envelope = envelopeSchema.safeParse(body);
    if (!parsed.success || !envelope.success)
      return deps.log.warn({ issues: issuesOf((parsed.error ?? envelope.error)!) }, 'ignoring malformed link_shared');
    const e = parsed.data;
    const teamId = envelope.data.team_id;
    try {
      const workspace = await deps.workspaces.forTeam(teamId);
      const profile = await workspace.lookups.userProfile(e.user);
      const access = deps.access();
      const sharer = await viewer(deps, access, teamId, e.channel, e.user, profile?.email);
      const entities: EntityMetadata[] = [];
      for (const { url } of e.links) {
        const ticket = await ticketOfLink(deps.provider, url);
        if (!ticket) continue;
        const everyone = !sharer.isDm && channelProjects(access, sharer).includes(ticket.project);
        const own = sharer.isDm && ticketVisibility(access, sharer, ticket) !== 'none';
        entities.push(ticketEntity(ticket, url, everyone || own ? 'full' : 'id_only'));
      }
      if (!entities.length) return;
      const target =
        e.unfurl_id && e.source
          ? { unfurl_id: e.unfurl_id, source: e.source }
          : { channel: e.channel, ts: e.message_ts ?? '' };
      await client.chat.unfurl({ ...target, metadata: { entities } } as Parameters<typeof client.chat.unfurl>[0]);
      deps.log.info({ tickets: entities.length }, 'ticket links unfurled as work objects');
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message } }, 'ticket links not unfurled');
    }
  });

  app.event('entity_details_requested', async ({ event, body, client }) => {
    const parsed = detailsSchema.safeParse(event);
    const envelope = envelopeSchema.safeParse(body);
    if (!parsed.success || !envelope.success)
      return deps.log.warn(
        { issues: issuesOf((parsed.error ?? envelope.error)!) },
        'ignoring malformed entity_details_requested',
      );
    const e = parsed.data;
    const teamId = envelope.data.team_id;
    const ticketId = e.external_ref?.id ?? '';
    try {
      const workspace = await deps.workspaces.forTeam(teamId);
      const [profile, ticket] = await Promise.all([
        workspace.lookups.userProfile(e.user),
        ticketId ? deps.provider.get(ticketId, AbortSignal.timeout(5_000)) : undefined,
      ]);
      const access = deps.access();
      const who = await viewer(deps, access, teamId, e.channel ?? '', e.user, profile?.email);
      const allowed = ticket && ticketVisibility(access, who, ticket) !== 'none';
      const t = deps.translators.forLocale(profile?.locale);
      // Someone the rules exclude learns only that: not whether the ticket exists, nor anything of it.
      await client.entity.presentDetails(
        allowed
          ? { trigger_id: e.trigger_id, metadata: ticketEntity(ticket, ticket.url ?? e.entity_url, 'full') }
          : {
              trigger_id: e.trigger_id,
              error: {
                status: 'custom',
                custom_title: t.t('tickets.not_available.title'),
                custom_message: t.t('tickets.not_available.message'),
              },
            },
      );
      deps.log.info({ ticket_shown: Boolean(allowed) }, 'work object details answered');
    } catch (err) {
      deps.log.warn({ err: { message: (err as Error).message } }, 'work object details not answered');
    }
  });
}

/**
 * The person looking, as the access rules read them (as the tool sessions build it: agents by id or user group); a
 * DM, or no conversation at all, grants no channel projects.
 */
async function viewer(
  deps: WorkObjectDeps,
  access: AccessConfig,
  teamId: string,
  channel: string,
  userId: string,
  email: string | undefined,
): Promise<ToolContext> {
  const agent = deps.people ? await deps.people.includes(teamId, access.agents, userId) : false;
  return {
    teamId,
    channel,
    threadTs: '',
    isDm: !channel || channel.startsWith('D'),
    user: { id: userId, name: userId, ...(email ? { email } : {}) },
    ...(agent ? { agent } : {}),
  };
}
