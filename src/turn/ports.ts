import type { ThreadItem } from '../store/types.js';

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
  functionCalls: Array<{ callId: string; name: string; arguments: string }>;
}

export type ModelEvent = { type: 'text'; delta: string } | { type: 'done'; call: ModelCall };

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
  /** Discards the answer shown so far and starts over in the same place, headed by `note` (a short notice). */
  restart(note: string): Promise<void>;
  /** Flushes everything, closes the reply, and adds the notice (if any) visibly at its end. */
  finish(end: { outcome: 'answered' | 'failed'; notice?: string }): Promise<{ messageTs: string[] }>;
}
