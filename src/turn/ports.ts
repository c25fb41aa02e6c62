import type { ThreadItem } from './thread.js';

/** What the turn asks of a model, independent of any SDK. */
export interface ModelRequest {
  model: string;
  instructions: string;
  items: ThreadItem[];
  maxOutputTokens: number;
  safetyIdentifier: string;
  promptCacheKey: string;
  metadata: Record<string, string>;
  store: boolean;
  previousResponseId?: string;
  /** Tools the model may call this time; none when absent or empty. */
  tools?: ModelTool[];
}

/** A tool offered to the model: one of ours (run by the server) or one OpenAI hosts. */
export type ModelTool =
  | { type: 'function'; name: string; description: string; parameters: Record<string, unknown>; strict: true }
  | { type: 'file_search'; vectorStoreIds: string[]; maxResults?: number };

export interface FunctionCall {
  callId: string;
  name: string;
  arguments: string;
}

export interface FunctionOutput {
  callId: string;
  /** What the model reads back: always an envelope that marks the content as data. */
  output: string;
}

/** Runs the model's function calls for one turn, with the asking user's context already bound in. */
export interface ToolRunner {
  readonly definitions: ModelTool[];
  /** A short status for the user while these calls run ("is looking up SUP-101…"). */
  progress(calls: readonly FunctionCall[]): string;
  /** Answers every call (errors included), in the order given; independent calls run concurrently. */
  run(calls: readonly FunctionCall[], signal?: AbortSignal): Promise<FunctionOutput[]>;
  /** Answers calls that will not run (the round cap), so the conversation stays well-formed. */
  decline(calls: readonly FunctionCall[], reason: string): FunctionOutput[];
}

export interface ModelUsage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
}

export interface ModelCall {
  responseId: string;
  /** The model that answered: a dated snapshot id. */
  model: string;
  status: 'completed' | 'incomplete';
  incompleteReason?: string;
  usage?: ModelUsage;
  requestId?: string;
  functionCalls: FunctionCall[];
}

export type ModelEvent =
  | { type: 'text'; delta: string }
  | { type: 'done'; call: ModelCall }
  /** The call waits for the app-level rate limiter; `position` 1 is next in line. */
  | { type: 'queued'; position: number };

export interface ModelPort {
  /** Streams one model call. Failures are thrown as ModelError after the adapter's own retries. */
  stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent>;
}

export type ModelErrorKind =
  | 'rate_limited'
  | 'quota'
  | 'server'
  | 'timeout'
  | 'stalled'
  | 'connection'
  | 'context_length'
  | 'previous_response_missing'
  | 'auth'
  | 'bad_request'
  | 'aborted';

export class ModelError extends Error {
  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    readonly details: { status?: number; code?: string | null; requestId?: string; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/** Where the answer goes; the Slack adapter implements it with streaming and fallbacks. */
export interface ReplySink {
  append(delta: string): void;
  /**
   * Shows what the bot is doing (waiting in line, tools running); best effort, cleared when the reply finishes.
   * `tools`: a tool round starts — shown at once, since it is rare and says the most.
   */
  status(text: string, kind?: 'queue' | 'tools'): void;
  /** Discards the answer shown so far and starts over in the same place, headed by `note` (a short notice). */
  restart(note: string): Promise<void>;
  /** Flushes everything, closes the reply, and adds the notice (if any) visibly at its end. */
  finish(end: { outcome: 'answered' | 'failed'; notice?: string }): Promise<{ messageTs: string[] }>;
}

/** What one or more model calls used. `usdMicros` is integer millionths of a dollar, exact in Redis counters. */
export interface UsageTotals {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  usdMicros: number;
  calls: number;
}

export const ZERO_USAGE: UsageTotals = { inputTokens: 0, cachedTokens: 0, outputTokens: 0, usdMicros: 0, calls: 0 };

/** What the turn pipeline asks before it calls a model. */
export type Admission =
  | { ok: true; settle(used: UsageTotals): Promise<void> }
  | { ok: false; notice: string; limit: 'user_daily_tokens' | 'workspace_monthly_usd'; resetAt: number };

export interface AdmissionRequest {
  teamId: string;
  channel: string;
  userId: string;
  turnId: string;
  model: string;
  inputTokens: number;
  maxOutputTokens: number;
}

export interface QuotaPort {
  admit(request: AdmissionRequest): Promise<Admission>;
}

/** What one call cost, and how it was priced (a model missing from the table is priced as the fallback, never free). */
export interface Cost {
  usd: number;
  /** The table entry used; differs from the model when it was missing and the fallback priced it. */
  pricedAs: string;
  known: boolean;
}

/** Prices a call; the usage feature implements it from the configured price table. */
export type PriceOf = (model: string, usage: ModelUsage) => Cost;
