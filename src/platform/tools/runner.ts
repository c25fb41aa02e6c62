import type { Logger } from 'pino';
import type { Phrase } from '../../i18n/phrase.js';
import { type StepLabel, type StepStatus, stepStatus, stepTitle } from '../../i18n/step-labels.js';
import type { Translator } from '../../i18n/translators.js';
import type { FunctionCall, FunctionOutput, HostedApprovalRequest, ModelTool, ToolRunner } from '../../turn/ports.js';
import { errorEnvelope, resultEnvelope } from './envelope.js';
import { toStrictJsonSchema } from './json-schema.js';
import { type AnyTool, type ToolContext, ToolError, type ToolErrorCode } from './types.js';

/** What a turn adds to the registry's tools: its MCP tools and hosted servers, and how their approvals are asked. */
export interface TurnExtras {
  tools: readonly AnyTool[];
  hosted: readonly ModelTool[];
  requestHostedApprovals?: (requests: readonly HostedApprovalRequest[]) => Promise<void>;
}

/** Tools that come and go per turn (MCP servers): what this asker may use here, and notices about the rest. */
export interface TurnToolSource {
  /** Whether anything is configured at all (no lookups otherwise). */
  readonly configured: boolean;
  forTurn(ctx: ToolContext, allowedServers?: readonly string[]): Promise<TurnExtras & { notices: Phrase[] }>;
}

export interface ToolLimits {
  timeoutMs: number;
  maxOutputChars: number;
}

/** One finished tool run, for the audit trail: what ran for whom, with which arguments, and what was decided. */
export interface ToolCallReport {
  tool: string;
  /** The model's call id; absent when a person started it (a button). */
  callId?: string;
  /** The arguments as given (parsed JSON when it parsed; the raw text when it did not). */
  args: unknown;
  outcome: ToolErrorCode | 'ok';
  /** Refused before it ran: by the channel's tool list or by the tool's own access rule. */
  denied: boolean;
  rule?: string;
  outputChars?: number;
}

const DENIALS: ReadonlySet<string> = new Set(['unknown_tool', 'permission_denied', 'not_permitted']);

/** The tools this deployment offers, with their JSON schemas computed (and checked for strictness) once. */
export class ToolRegistry {
  readonly definitions: ModelTool[];
  private readonly byName: Map<string, AnyTool>;

  constructor(
    readonly tools: readonly AnyTool[],
    hosted: readonly ModelTool[] = [],
  ) {
    this.byName = new Map(tools.flatMap((t) => [t.name, ...(t.aliases ?? [])].map((n) => [n, t] as const)));
    this.definitions = [...tools.map(functionDefinition), ...hosted];
  }

  get(name: string): AnyTool | undefined {
    return this.byName.get(name);
  }

  /**
   * Binds the asking user's context for one turn; `allowed` narrows the built-in tools to a channel's list;
   * `observe` hears every call (the audit trail); `extra` are this turn's MCP tools (already narrowed to the
   * channel's servers) with their hosted servers.
   */
  session(
    ctx: ToolContext,
    limits: ToolLimits,
    log: Logger,
    allowed?: readonly string[],
    observe?: (report: ToolCallReport) => void,
    extra: TurnExtras = { tools: [], hosted: [] },
  ): ToolSession {
    return new ToolSession(this, ctx, limits, log, allowed, observe, extra);
  }

  /** The function tools a channel may use: all of them, or those on its list. */
  usable(allowed?: readonly string[]): AnyTool[] {
    return allowed ? this.tools.filter((t) => allowed.includes(t.name)) : [...this.tools];
  }

  /** The definitions a channel may use; hosted file_search rides with search_knowledge. */
  definitionsFor(allowed?: readonly string[]): ModelTool[] {
    if (!allowed) return this.definitions;
    return this.definitions.filter((d) => allowed.includes(d.type === 'function' ? d.name : 'search_knowledge'));
  }
}

/** The function definition of a tool: a built-in's strict schema from zod, or the schema an MCP tool brings. */
export function functionDefinition(t: AnyTool): ModelTool {
  return {
    type: 'function',
    name: t.name,
    description: t.description,
    parameters: t.jsonSchema?.schema ?? toStrictJsonSchema(t.parameters),
    strict: t.jsonSchema?.strict ?? true,
  };
}

const zodMessage = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
  issues.map((i) => `${i.path.map(String).join('.') || '(arguments)'}: ${i.message}`).join('; ');

/**
 * What a tool run by the server (a button, not the model) gave: its result (and the envelope the model reads of
 * it), or why it did not run, for the person.
 */
export type ToolInvocation =
  | { ok: true; result: unknown; output: string }
  | { ok: false; code: ToolErrorCode; userMessage: Phrase };

type Executed = { ok: true; tool: AnyTool; result: unknown } | { ok: false; error: ToolError };

/**
 * Runs tools on behalf of one user in one conversation: the model's calls (`run`) and the server's own (`invoke`),
 * both through the same steps: the channel's tool list, the schema, authorization, the timeout. Each model call gets
 * exactly one output, failures included, so the model can correct itself and the conversation stays valid.
 */
export class ToolSession implements ToolRunner {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly ctx: ToolContext,
    private readonly limits: ToolLimits,
    private readonly log: Logger,
    private readonly allowed?: readonly string[],
    private readonly observe?: (report: ToolCallReport) => void,
    private readonly extra: TurnExtras = { tools: [], hosted: [] },
  ) {}

  get definitions(): ModelTool[] {
    return [
      ...this.registry.definitionsFor(this.allowed),
      ...this.extra.tools.map(functionDefinition),
      ...this.extra.hosted,
    ];
  }

  requestHostedApprovals(requests: readonly HostedApprovalRequest[]): Promise<void> {
    if (!this.extra.requestHostedApprovals) return Promise.reject(new Error('no hosted MCP servers in this turn'));
    return this.extra.requestHostedApprovals(requests);
  }

  /** The tool of this name usable here: a built-in on the channel's list, or one of this turn's MCP tools. */
  private find(name: string): { tool?: AnyTool; usable: AnyTool[] } {
    const usable = [...this.registry.usable(this.allowed), ...this.extra.tools];
    return { tool: usable.find((t) => t.name === name || t.aliases?.includes(name)), usable };
  }

  progress(calls: readonly FunctionCall[], t: Translator): StepStatus {
    // Calls that read the same (two look-ups of one ticket) count once.
    const lines = [...new Set(calls.map((c) => stepStatus(t, this.label(c)).text))];
    const first = calls[0];
    if (!first) return stepStatus(t, WORKING);
    return stepStatus(t, this.label(first), lines.length - 1);
  }

  title(call: FunctionCall, t: Translator): string {
    return stepTitle(t, this.label(call));
  }

  run(calls: readonly FunctionCall[], signal?: AbortSignal): Promise<FunctionOutput[]> {
    return Promise.all(calls.map((c) => this.runOne(c, signal)));
  }

  decline(calls: readonly FunctionCall[], reason: string): FunctionOutput[] {
    return calls.map((c) => ({
      callId: c.callId,
      output: errorEnvelope(c.name, 'round_limit', `Not run: ${reason}.`),
    }));
  }

  /** Runs one tool because a person clicked something, never on the model's word; failures come back in their words. */
  async invoke(name: string, args: unknown, signal?: AbortSignal): Promise<ToolInvocation> {
    const started = Date.now();
    const executed = await this.execute(name, { value: args }, signal);
    this.logCall(name, undefined, executed.ok ? 'ok' : executed.error.code, started);
    this.report(name, undefined, args, executed);
    return executed.ok
      ? { ok: true, result: executed.result, output: this.envelope(executed.tool, executed.result) }
      : { ok: false, code: executed.error.code, userMessage: executed.error.userMessage };
  }

  private label(call: FunctionCall): StepLabel {
    const { tool } = this.find(call.name);
    if (!tool) return WORKING;
    try {
      const parsed = tool.parameters.safeParse(JSON.parse(call.arguments));
      return parsed.success ? tool.progress(parsed.data) : WORKING;
    } catch {
      return WORKING;
    }
  }

  private async runOne(call: FunctionCall, outer?: AbortSignal): Promise<FunctionOutput> {
    const started = Date.now();
    const answer = (code: ToolErrorCode | 'ok', output: string) => {
      this.logCall(call.name, call.callId, code, started, output.length);
      return output;
    };
    const executed = await this.execute(call.name, { json: call.arguments }, outer);
    const args = (() => {
      try {
        return JSON.parse(call.arguments) as unknown;
      } catch {
        return call.arguments;
      }
    })();
    if (!executed.ok) {
      const output = answer(executed.error.code, errorEnvelope(call.name, executed.error.code, executed.error.message));
      this.report(call.name, call.callId, args, executed, output.length);
      return { callId: call.callId, output, failed: true };
    }
    const output = answer('ok', this.envelope(executed.tool, executed.result));
    this.report(call.name, call.callId, args, executed, output.length);
    const sources = executed.tool.sources?.(executed.result) ?? [];
    const tickets = executed.tool.tickets?.(executed.result) ?? [];
    return {
      callId: call.callId,
      output,
      ...(sources.length ? { sources } : {}),
      ...(tickets.length ? { tickets } : {}),
    };
  }

  /** The result as the model reads it: marked as untrusted data, within the output cap. */
  private envelope(tool: AnyTool, result: unknown): string {
    const budget = this.limits.maxOutputChars - 300;
    return resultEnvelope(tool.name, tool.format(result, budget), this.limits.maxOutputChars);
  }

  private report(tool: string, callId: string | undefined, args: unknown, executed: Executed, chars?: number): void {
    if (!this.observe) return;
    const outcome = executed.ok ? 'ok' : executed.error.code;
    const rule = executed.ok ? undefined : executed.error.rule;
    this.observe({
      tool,
      ...(callId ? { callId } : {}),
      args,
      outcome,
      denied: DENIALS.has(outcome),
      ...(rule ? { rule } : {}),
      ...(chars !== undefined ? { outputChars: chars } : {}),
    });
  }

  /** The steps every run takes, whoever started it: allowed here, valid arguments, authorized, done in time. */
  private async execute(
    name: string,
    args: { json: string } | { value: unknown },
    outer?: AbortSignal,
  ): Promise<Executed> {
    const { tool, usable } = this.find(name);
    if (!tool)
      return this.failed(
        'unknown_tool',
        {
          model: `There is no tool named "${name}" here. Available: ${usable.map((t) => t.name).join(', ') || 'none'}.`,
          user: { key: 'tools.error.unknown_tool', values: { tool: name } },
        },
        this.registry.get(name) ? `channels.${this.ctx.channel}.tools` : 'no such tool',
      );
    let raw: unknown;
    if ('json' in args) {
      try {
        raw = JSON.parse(args.json);
      } catch {
        return this.failed('invalid_json', {
          model: 'The arguments are not valid JSON. Send one JSON object matching the schema.',
          user: { key: 'tools.error.unreadable', values: { tool: name } },
        });
      }
    } else raw = args.value;
    const parsed = tool.parameters.safeParse(raw);
    if (!parsed.success)
      return this.failed('invalid_arguments', {
        model: `The arguments do not match the schema: ${zodMessage(parsed.error.issues)}.`,
        user: { key: 'tools.error.incomplete', values: { tool: name, problems: zodMessage(parsed.error.issues) } },
      });

    // A plain timer rather than AbortSignal.timeout: it is cleared once the tool is done, and fake timers drive it.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException('the tool timed out', 'TimeoutError')),
      this.limits.timeoutMs,
    );
    const signal = outer ? AbortSignal.any([outer, timeout.signal]) : timeout.signal;
    try {
      tool.authorize(this.ctx, parsed.data);
      return { ok: true, tool, result: await raceAbort(tool.run(this.ctx, parsed.data, signal), signal) };
    } catch (err) {
      if (err instanceof ToolError) return { ok: false, error: err };
      // The person pressed Stop: the call's output only keeps the conversation well-formed.
      if (outer?.aborted)
        return this.failed('cancelled', {
          model: 'The user stopped the answer before this tool finished.',
          user: { key: 'tools.error.stopped', values: { tool: name } },
        });
      const seconds = Math.round(this.limits.timeoutMs / 1000);
      if (timeout.signal.aborted)
        return this.failed('timeout', {
          model: `The tool did not finish within ${seconds} s. Tell the user it is unavailable right now.`,
          user: { key: 'tools.error.timeout', values: { tool: name, seconds } },
        });
      this.log.error({ err, tool: name }, 'tool failed unexpectedly');
      return this.failed('internal_error', {
        model: 'The tool failed unexpectedly. Tell the user it is unavailable right now.',
        user: { key: 'tools.error.failed', values: { tool: name } },
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(code: ToolErrorCode, message: { model: string; user: Phrase }, rule?: string): Executed {
    return { ok: false, error: new ToolError(code, message, rule) };
  }

  private logCall(
    tool: string,
    callId: string | undefined,
    code: ToolErrorCode | 'ok',
    started: number,
    chars?: number,
  ) {
    const level = code === 'ok' || code === 'not_found' ? 'info' : code === 'internal_error' ? 'error' : 'warn';
    this.log[level](
      {
        event: 'tool_call',
        tool,
        // A call the model made has its id; one without was started by a person (a button).
        ...(callId ? { call_id: callId } : { initiated_by: 'user' }),
        outcome: code,
        latency_ms: Date.now() - started,
        ...(chars !== undefined ? { output_chars: chars } : {}),
      },
      'tool call finished',
    );
  }
}

/** A call whose tool or arguments are unknown still shows that something runs. */
const WORKING: StepLabel = { step: 'working' };

/** Rejects as soon as the signal aborts, even when the work itself ignores the signal. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work may still fail later (it saw the abort too): that is no longer anyone's news.
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
