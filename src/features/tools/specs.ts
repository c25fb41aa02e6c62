import type { z } from 'zod';
import type { ToolName } from '../../config/tools-schema.js';
import type { ToolSpec } from '../../platform/tools/types.js';
import { searchKnowledgeSpec } from '../knowledge/search-knowledge.js';
import { createTicketSpec } from '../tickets/create-ticket.js';
import { lookupTicketSpec } from '../tickets/lookup-ticket.js';
import { searchTicketsSpec } from '../tickets/search-tickets.js';

const erase = <S extends z.ZodObject>(spec: ToolSpec<S>) => spec as unknown as ToolSpec;

/** Every built-in tool as the model sees it, by name. */
export const TOOL_SPECS: Readonly<Record<ToolName, ToolSpec>> = {
  lookup_ticket: erase(lookupTicketSpec),
  search_tickets: erase(searchTicketsSpec),
  search_knowledge: erase(searchKnowledgeSpec),
  create_ticket: erase(createTicketSpec),
};
