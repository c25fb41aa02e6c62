import type { CacheRetention, ReasoningEffort } from '../config/models.js';
import type { Phrase } from '../i18n/phrase.js';
import type { StepLabel, StepStatus } from '../i18n/step-labels.js';
import type { Translator } from '../i18n/translators.js';
import type { HostedItem, ThreadItem } from './thread.js';

/** What the turn asks of a model, independent of any SDK. */
export interface ModelRequest {
  model: string;
  /** The same every turn of a channel, so the prompt prefix stays cacheable. */
  instructions: string;
  items: ThreadItem[];
  /**
   * What only this turn is told (the asker's language): sent as a developer message right after the newest user
   * message, never with the instructions, so the cached prefix (instructions, tools, history) is unchanged.
   */
  turnInstructions?: string;
  maxOutputTokens: number;
  safetyIdentifier: string;
  promptCacheKey: string;
  metadata: Record<string, string>;
  store: boolean;
  previousResponseId?: string;
  /** Tools the model may call this time; none when absent or empty. */
  tools?: ModelTool[];
  /** Reasoning models: the effort asked for; the adapter sends what the model accepts (nothing to other models). */
  reasoningEffort?: ReasoningEffort;
  /** Reasoning models: ask for a reasoning summary (streamed as `reasoning` events). */
  reasoningSummary?: 'auto' | 'concise' | 'detailed';
  /** How long the prompt cache should keep this prefix; sent only where the model accepts it. */
  promptCacheRetention?: CacheRetention;
}

/** A tool offered to the model: one of ours (run by the server) or one OpenAI hosts. */
export type ModelTool =
  /** `strict: false` only for an MCP tool whose schema cannot be made strict (logged when offered). */
  | { type: 'function'; name: string; description: string; parameters: Record<string, unknown>; strict: boolean }
  | { type: 'file_search'; vectorStoreIds: string[]; maxResults?: number }
  /**
   * An MCP server the model's server calls itself (Responses `mcp` tool). Tools in `neverApprove` (or, with
   * 'annotated', those the server marks readOnlyHint) run at once; every other call comes back for approval.
   */
  | {
      type: 'mcp';
      serverLabel: string;
      serverUrl: string;
      headers: Record<string, string>;
      allowedTools?: string[];
      neverApprove: 'annotated' | string[];
    };

export interface FunctionCall {
  callId: string;
  name: string;
  arguments: string;
}

/** A hosted MCP call the model's server holds until the asker approves it (an mcp_approval_request item). */
export interface HostedApprovalRequest {
  id: string;
  serverLabel: string;
  name: string;
  arguments: string;
}

export interface FunctionOutput {
  callId: string;
  /** What the model reads back: always an envelope that marks the content as data. */
  output: string;
  /** What the result drew on (a policy, a ticket, an earlier thread), listed under the answer. */
  sources?: Source[];
  /** The call did not give its result (refused, failed, timed out, cancelled). */
  failed?: true;
  /** Tickets the result showed the asker (only those they may see), for the reply to present as well. */
  tickets?: ShownTicket[];
}

/** A policy, ticket or earlier Slack thread an answer drew on: shown at its end as a link, else by its title. */
export interface Source {
  title: string;
  url?: string;
  /**
   * How an answer names it (a ticket id, a policy title). When the answer names some of its sources, only those
   * are listed: a search returns more than the answer uses.
   */
  cue?: string;
  /** How the bot's own notices name it when `title` (which the model reads) is not fit for any reader's language. */
  label?: Phrase;
}

/** A ticket a tool showed the asker: the reply presents it beside the model's words (a card, a table row). */
export interface ShownTicket {
  id: string;
  /** The ticket's project: a channel of that project may see the ticket's card in full. */
  project: string;
  title: string;
  status: string;
  priority: string | null;
  assignee: string | null;
  createdAt: string;
  updatedAt: string;
  url: string | null;
}

/** A link behind a step of the answer. */
export interface StepSource {
  url: string;
  text: string;
}

/** One tool call as a step of the answer (Slack's thinking steps): one per call, by call id. */
export interface AnswerStep {
  id: string;
  /** What the step does, for a person: "Looking up SUP-101". */
  title: string;
  status: 'in_progress' | 'complete' | 'error';
  sources?: StepSource[];
}

/** Runs the model's function calls for one turn, with the asking user's context already bound in. */
export interface ToolRunner {
  readonly definitions: ModelTool[];
  /**
   * A short status for the user while these calls run ("is looking up SUP-101…"), with its loading message
   * ("Looking up SUP-101…"), in the asker's language.
   */
  progress(calls: readonly FunctionCall[], t: Translator): StepStatus;
  /** What one call does, as the title of its step ("Looking up SUP-101"), in the asker's language. */
  title(call: FunctionCall, t: Translator): string;
  /** Answers every call (errors included), in the order given; independent calls run concurrently. */
  run(calls: readonly FunctionCall[], signal?: AbortSignal): Promise<FunctionOutput[]>;
  /** Answers calls that will not run (the round cap), so the conversation stays well-formed. */
  decline(calls: readonly FunctionCall[], reason: string): FunctionOutput[];
  /** Puts hosted calls that need approval in front of the asker (a card each); absent: none can be approved. */
  requestHostedApprovals?(requests: readonly HostedApprovalRequest[]): Promise<void>;
}

export interface ModelUsage {
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  /** Input tokens written to the prompt cache (part of inputTokens), for models that bill cache writes. */
  cacheWriteTokens?: number;
  /** Output tokens spent reasoning (part of outputTokens, billed as output, never shown). */
  reasoningTokens?: number;
}

/** What a call that never reached the model used. */
export const NO_USAGE: ModelUsage = { inputTokens: 0, cachedTokens: 0, outputTokens: 0 };

/** A document the answer drew on, as hosted file_search cites it. */
export interface Citation {
  fileId: string;
  filename: string;
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
  /** Hosted tool items of the output (mcp_list_tools, mcp_call, mcp_approval_request), kept with the thread. */
  hostedItems?: HostedItem[];
  /** Hosted MCP calls waiting for the asker's approval. */
  approvalRequests?: HostedApprovalRequest[];
  /** Files the answer cites (hosted file_search), each once, in the order first cited. */
  citations?: Citation[];
  /** Set when the requested model is gone (model_not_found) and `openai.fallback_model` answered instead. */
  fallbackFrom?: string;
}

export type ModelEvent =
  | { type: 'text'; delta: string }
  /** A piece of the reasoning summary (only when one was asked for): never part of the answer. */
  | { type: 'reasoning'; delta: string }
  | { type: 'done'; call: ModelCall }
  /**
   * A hosted tool is working (the model's server calls an MCP server): a step of the answer where the reply shows
   * steps (`step`: the call, started or finished), else the thread's status; `label`: what it does, in catalog words
   * the turn puts into the asker's language.
   */
  | { type: 'progress'; label: StepLabel; step?: Omit<AnswerStep, 'title'> }
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
  /** The model does not exist (any more) for this key: shut down, retired or never there. */
  | 'model_missing'
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
   * `tools`: a tool round starts — shown at once, since it is rare and says the most. `loading`: the same as a
   * sentence of its own, which Slack rotates in place of the status ("Waiting for other answers…"), written from
   * the catalogs like `text` (a status line is not turned into one: 「が考えています」 is no sentence).
   */
  status(text: string, kind: 'queue' | 'tools' | undefined, loading: string): void;
  /**
   * Tool calls as steps inside the answer, started or finished. A sink that cannot show steps (or is refused them)
   * shows `status` instead, as `status(text, 'tools')` would; absent: the turn shows only the status line.
   */
  steps?(steps: AnswerStep[], status?: StepStatus): void;
  /** Discards the answer shown so far and starts over in the same place, headed by `note` (a short notice). */
  restart(note: string): Promise<void>;
  /**
   * Flushes everything, closes the reply, and adds the notice (if any) visibly at its end. `undelivered`: how many
   * characters of the reply never reached the user (the platform kept refusing); absent or 0 when all were shown.
   */
  finish(end: {
    outcome: 'answered' | 'failed';
    notice?: string;
    /** Tickets the answer's tool calls showed, in the order first shown; a sink may present them (a table). */
    tickets?: ShownTicket[];
  }): Promise<{ messageTs: string[]; undelivered?: number }>;
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

/** Why a model call was not sent: a limit is reached, or the calls still running would use what is left of it. */
export interface QuotaRefusal {
  ok: false;
  /** What the person reads, in their language, with the real numbers and when the limit resets. */
  notice: (t: Translator) => string;
  limit: 'user_daily_tokens' | 'workspace_monthly_usd';
}

/** An admitted call holds quota until it is settled with what it really used (priced by the quota service). */
export type CallAdmission = { ok: true; settle(model: string, usage: ModelUsage): Promise<void> } | QuotaRefusal;

/** What one model call may use at most: its input and its whole output cap. */
export interface CallEstimate {
  model: string;
  inputTokens: number;
  maxOutputTokens: number;
}

/** Whose quotas a turn (or a triage) draws on. */
export interface QuotaSubject {
  teamId: string;
  channel: string;
  userId: string;
  /** Unique per turn; names the holds of its calls. */
  turnId: string;
}

/** One turn's account: every model call of the turn (tool rounds, summaries, retries) is admitted on its own. */
export interface QuotaAccount {
  /**
   * Holds room for one call. While other calls in flight hold what is left of a limit it waits for them
   * (`onWait` is called once, to tell the person); once a limit is used up it refuses.
   */
  admit(call: CallEstimate, onWait?: () => void): Promise<CallAdmission>;
}

export interface QuotaPort {
  account(subject: QuotaSubject): QuotaAccount;
}

/** A problem only the people running Threadwise can fix. */
export type AdminAlert =
  | { problem: 'openai_insufficient_quota'; teamId: string; requestId?: string }
  /** A configured model is gone and `openai.fallback_model` answers instead (told once per model). */
  | { problem: 'model_fallback'; teamId: string; model: string; fallback: string }
  /** A configured model shuts down soon (told once per model and threshold: 60, 30, 7, 1 days). */
  | { problem: 'model_shutdown'; teamId: string; model: string; shutdownDate: string; days: number; threshold: number };

export interface AdminAlerts {
  /** Tells the admins (at most once an hour per problem); true only when they have been told, now or earlier. */
  raise(alert: AdminAlert): Promise<boolean>;
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
