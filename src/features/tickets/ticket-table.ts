import type { TableBlock } from '@slack/types';
import type { MessageKey, Translator } from '../../i18n/translators.js';
import type { ShownTicket } from '../../turn/ports.js';

/** Slack's table block holds at most 100 rows (the header included here) and 20 cells a row. */
const MAX_ROWS = 99;
const COLUMNS: readonly MessageKey[] = [
  'tickets.table.ticket',
  'tickets.table.title',
  'tickets.table.status',
  'tickets.table.priority',
  'tickets.table.assignee',
];

const cells = (t: ShownTicket): string[] => [t.id, t.title, t.status, t.priority ?? '—', t.assignee ?? '—'];

/**
 * Two or more tickets as a Block Kit table (header row first, in the reader's language). Cells are raw_text: Slack
 * shows them as typed, so a ticket's title cannot mention or link anyone.
 */
export function ticketTable(tickets: readonly ShownTicket[], t: Translator): TableBlock {
  const raw = (text: string) => ({ type: 'raw_text' as const, text: text.slice(0, 500) || '—' });
  return {
    type: 'table',
    column_settings: [{ is_wrapped: false }, { is_wrapped: true }],
    rows: [COLUMNS.map((key) => raw(t.t(key))), ...tickets.slice(0, MAX_ROWS).map((t) => cells(t).map(raw))],
  };
}

/** The same tickets as plain text lines, where a table cannot be shown (a terminal). */
export function ticketLines(tickets: readonly ShownTicket[]): string {
  return tickets.map((t) => `• ${cells(t).join(' · ')}`).join('\n');
}
