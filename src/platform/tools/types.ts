import type { z } from 'zod';
import type { Phrase } from '../../i18n/phrase.js';
import type { StepLabel } from '../../i18n/step-labels.js';
import type { ShownTicket, Source } from '../../turn/ports.js';

/**
 * Who is asking, where: built by the server from the Slack event and users.info, never from model arguments.
 * Every authorization decision reads this and only this.
 */
export interface ToolContext {
  teamId: string;
  channel: string;
  threadTs: string;
  isDm: boolean;
  user: { id: string; name: string; email?: string };
  /** The server found the person in `access.agents` (user groups resolved); absent: not an agent. */
  agent?: boolean;
  /**
   * Set by the server only when the asker clicked Approve on a card for exactly this call (its approval id): a
   * write tool then runs instead of asking. Never derived from anything the model sends.
   */
  approvedBy?: string;
}

export type ToolErrorCode =
  | 'invalid_json'
  | 'invalid_arguments'
  | 'unknown_tool'
  | 'permission_denied'
  | 'not_permitted'
  | 'not_found'
  | 'timeout'
  | 'upstream_error'
  | 'round_limit'
  | 'cancelled'
  | 'internal_error';

/**
 * A failure, with a message safe to show (no secrets, no hidden ticket details). `message` is for the model and may
 * tell it what to do next; `userMessage` is for a person who ran the tool with a button, as catalog words written
 * in their language. Give both when they differ; one string serves both when it only repeats what a service said
 * ("Jira answered HTTP 500"), and the person then reads those words as they are.
 */
export class ToolError extends Error {
  readonly userMessage: Phrase;

  constructor(
    readonly code: ToolErrorCode,
    message: string | { model: string; user: Phrase },
    /** For a refusal: the rule that refused, as the audit trail names it. */
    readonly rule?: string,
  ) {
    super(typeof message === 'string' ? message : message.model);
    this.name = 'ToolError';
    this.userMessage =
      typeof message === 'string' ? { key: 'tools.error.as_reported', values: { detail: message } } : message.user;
  }
}

/** One function tool: its contract with the model and the server-side steps around it. */
export interface Tool<S extends z.ZodObject = z.ZodObject> {
  /** A built-in's name (config/tools-schema.ts), or an MCP tool's `label__tool`. */
  name: string;
  /** Older names the tool still answers to (calls in stored threads, old eval suites); never offered to the model. */
  aliases?: readonly string[];
  /** The MCP server (label) the tool comes from; built-ins have none. */
  server?: string;
  /**
   * The JSON schema sent to the model when it is not derived from `parameters` (MCP tools bring their own):
   * `strict` false when it could not be made strict.
   */
  jsonSchema?: { schema: Record<string, unknown>; strict: boolean };
  description: string;
  /** Validated server-side; sent to the model as a strict JSON schema. */
  parameters: S;
  /** What the user sees while it runs, as catalog words: the status "is looking up SUP-101…", the step title. */
  progress(args: z.infer<S>): StepLabel;
  /** Refuses with ToolError('permission_denied') before anything runs. Data-dependent checks happen in run. */
  authorize(ctx: ToolContext, args: z.infer<S>): void;
  run(ctx: ToolContext, args: z.infer<S>, signal: AbortSignal): Promise<unknown>;
  /** Shapes the result for the model within `maxChars`; the runner still hard-caps the whole output. */
  format(result: unknown, maxChars: number): unknown;
  /** What a result drew on (policies, tickets), listed under the answer as links. */
  sources?(result: unknown): Source[];
  /** Tickets the result shows the asker, for the reply to present (a Work Object, a table). */
  tickets?(result: unknown): ShownTicket[];
}

/** Erases the schema type so tools of different shapes can share a list. */
export type AnyTool = Tool<z.ZodObject>;
export const defineTool = <S extends z.ZodObject>(tool: Tool<S>): AnyTool => tool as unknown as AnyTool;

/**
 * What the model sees of a tool (name, description, arguments, progress label), known without any backend, so
 * `threadwise eval` can offer the real schema in front of a stubbed result.
 */
export type ToolSpec<S extends z.ZodObject = z.ZodObject> = Pick<
  Tool<S>,
  'name' | 'description' | 'parameters' | 'progress'
>;
export const defineSpec = <S extends z.ZodObject>(spec: ToolSpec<S>): ToolSpec<S> => spec;
