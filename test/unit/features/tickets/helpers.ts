import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { accessSchema } from '../../../../src/config/tools-schema.js';
import { ToolRegistry, type ToolSession } from '../../../../src/platform/tools/runner.js';
import type { AnyTool, ToolContext } from '../../../../src/platform/tools/types.js';

export const silent = pino({ level: 'silent' });

/** A private copy of the sample tickets, so tests that create tickets do not touch the repo. */
export function sampleTicketsCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tw-tickets-'));
  const path = join(dir, 'tickets.json');
  copyFileSync(resolve('examples/tickets.json'), path);
  return path;
}

/** The matrix of people and places: U1 requested SUP-101 and OPS-12, UAGENT is an agent, C100 grants SUP. */
export const access = accessSchema.parse({ agents: ['UAGENT'], channels: { C100: { projects: ['SUP'] } } });

export function ctx(over: Partial<ToolContext> & { userId?: string; email?: string } = {}): ToolContext {
  const { userId = 'U1', email, ...rest } = over;
  return {
    teamId: 'T0TEST',
    channel: 'C200',
    threadTs: '1700000000.000100',
    isDm: false,
    user: { id: userId, name: userId, ...(email ? { email } : {}) },
    ...rest,
  };
}

export function session(tools: AnyTool[], context: ToolContext, timeoutMs = 2_000): ToolSession {
  return new ToolRegistry(tools).session(context, { timeoutMs, maxOutputChars: 8_000 }, silent);
}

/** Runs one call and returns the parsed envelope. */
export async function call(s: ToolSession, name: string, args: unknown): Promise<any> {
  const [out] = await s.run([
    { callId: 'call_1', name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
  ]);
  return JSON.parse(out!.output);
}
