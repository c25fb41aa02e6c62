import type { z } from 'zod';
import type { ToolName } from '../config/tools-schema.js';
import { createTicketSpec } from './create-ticket.js';
import { lookupTicketSpec } from './lookup-ticket.js';
import { searchPoliciesSpec } from './search-policies.js';
import { searchTicketsSpec } from './search-tickets.js';
import type { ToolSpec } from './types.js';

const erase = <S extends z.ZodObject>(spec: ToolSpec<S>) => spec as unknown as ToolSpec;

/** Every built-in tool as the model sees it, by name. */
export const TOOL_SPECS: Readonly<Record<ToolName, ToolSpec>> = {
  lookup_ticket: erase(lookupTicketSpec),
  search_tickets: erase(searchTicketsSpec),
  search_policies: erase(searchPoliciesSpec),
  create_ticket: erase(createTicketSpec),
};
