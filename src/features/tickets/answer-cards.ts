import type { EntityMetadata } from '@slack/types';
import type { ChatPostMessageResponse, WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { AccessConfig } from '../../config/tools-schema.js';
import { httpUrl, mrkdwn, slackLink } from '../../platform/slack/mrkdwn.js';
import { patientCall } from '../../platform/slack/patient-call.js';
import type { SlackRateGate } from '../../platform/slack/rate-gate.js';
import type { ShownTicket } from '../../turn/ports.js';
import { ticketEntity } from './work-objects.js';

/** Cards under one answer: a search shows at most 10 tickets, and a message of cards is not meant to be a list. */
const MAX_CARDS = 10;

/** A message of Work Objects: its fallback text (the links) and its metadata.entities. */
export interface TicketCards {
  text: string;
  entities: EntityMetadata[];
}

/**
 * The tickets an answer showed as Work Object cards in its thread, each as the conversation may see it: a card is
 * seen by everyone there, so it carries the ticket's fields only in the asker's DM with the bot (the tool already
 * checked the asker) or in a channel of the ticket's project; elsewhere it shows the id alone, and each viewer's
 * details are checked when they open it (entity_details_requested). Tickets without an http(s) link get no card.
 */
export function answerTicketCards(
  tickets: readonly ShownTicket[],
  access: AccessConfig,
  channel: string,
): TicketCards | undefined {
  const own = channel.startsWith('D');
  const projects = own ? [] : (access.channels[channel]?.projects ?? []);
  const linked = tickets.filter((t) => t.url && httpUrl(t.url)).slice(0, MAX_CARDS);
  if (!linked.length) return undefined;
  return {
    // Ids only: the text is the card's fallback and shows where cards do not, to everyone in the conversation.
    text: linked.map((t) => mrkdwn`${slackLink(t.url!, t.id)}`).join(' · '),
    entities: linked.map((t) => ticketEntity(t, t.url!, own || projects.includes(t.project) ? 'full' : 'id_only')),
  };
}

/**
 * Posts the cards in the answer's thread, after the answer, waiting out Slack's rate limits like the answer does.
 * Best effort: the answer and its table already show the tickets. Slack accepts malformed Work Objects with a
 * `warning` and drops them, so that is logged as a failure too. Returns the message's ts once posted.
 */
export async function postTicketCards(
  slack: { client: WebClient; gate: SlackRateGate },
  where: { channel: string; threadTs: string },
  cards: TicketCards,
  log: Logger,
): Promise<string | undefined> {
  let posted: ChatPostMessageResponse | undefined;
  const failure = await patientCall(slack.gate, `chat.postMessage:${where.channel}`, async () => {
    posted = await slack.client.chat.postMessage({
      channel: where.channel,
      thread_ts: where.threadTs,
      text: cards.text,
      // The cards are the preview: Slack's own unfurl of the same links would show them twice.
      unfurl_links: false,
      metadata: { entities: cards.entities },
    });
  });
  if (failure || !posted?.ts) {
    log.warn({ failure }, 'ticket cards not posted');
    return undefined;
  }
  if (posted.warning)
    log.warn(
      { warning: posted.warning, messages: posted.response_metadata?.messages },
      'slack did not take the ticket cards',
    );
  else log.info({ tickets: cards.entities.length }, 'tickets shown as work objects');
  return posted.ts;
}
