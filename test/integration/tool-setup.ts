import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Harness, type HarnessOptions } from './harness.js';

export const SUP_CHANNEL = 'C0SUP1';

/** People of the tool tests: Ada requested SUP-101 and OPS-12, Grace SUP-102, Eve nothing; UAGENT is a support agent. */
export const TOOL_USERS = {
  U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada', email: 'ada@example.com' },
  U2: { name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace', email: 'grace@example.com' },
  U5: { name: 'eve', real_name: 'Eve Example', display_name: 'Eve', email: 'eve@example.com' },
  UAGENT: { name: 'sam', real_name: 'Sam Support', display_name: 'Sam', email: 'sam@example.com' },
};

/** A private copy of the sample tickets, optionally edited. */
export function ticketsFile(edit?: (tickets: Array<Record<string, unknown>>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-it-tickets-'));
  const path = join(dir, 'tickets.json');
  copyFileSync(resolve('examples/tickets.json'), path);
  if (edit) {
    const tickets = JSON.parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
    edit(tickets);
    writeFileSync(path, JSON.stringify(tickets, null, 2));
  }
  return path;
}

export function readTickets(path: string): Array<Record<string, unknown>> {
  return JSON.parse(readFileSync(path, 'utf8')) as Array<Record<string, unknown>>;
}

/** The tool tests' configuration: the ticket file, who may see what, the sample policies, plus `yaml`. */
export function toolYaml(opts: { tickets: string; yaml?: string; vectorStoreId?: string }): string {
  return [
    'tickets:',
    '  provider: file',
    `  file: ${JSON.stringify(opts.tickets)}`,
    'access:',
    '  agents: [UAGENT]',
    '  channels:',
    `    ${SUP_CHANNEL}: { projects: [SUP] }`,
    'policies:',
    `  dir: ${JSON.stringify(resolve('examples/policies'))}`,
    ...(opts.vectorStoreId ? [`  vector_store_id: ${opts.vectorStoreId}`] : []),
    opts.yaml ?? '',
  ].join('\n');
}

export function toolHarness(
  opts: { tickets?: string; yaml?: string; vectorStoreId?: string } & Omit<HarnessOptions, 'yaml'> = {},
): Harness {
  const { tickets = ticketsFile(), yaml = '', vectorStoreId, ...rest } = opts;
  return new Harness({
    ...rest,
    slack: { users: TOOL_USERS, ...rest.slack },
    yaml: toolYaml({ tickets, yaml, ...(vectorStoreId ? { vectorStoreId } : {}) }),
  });
}

/** The function_call_output items of a recorded request, parsed. */
export function toolOutputs(body: { input?: Array<Record<string, unknown>> }): Array<{ call_id: string; out: any }> {
  return (body.input ?? [])
    .filter((i) => i.type === 'function_call_output')
    .map((i) => ({ call_id: String(i.call_id), out: JSON.parse(String(i.output)) }));
}
