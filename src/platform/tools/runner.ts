import type { Logger } from 'pino';
import type { FunctionCall, FunctionOutput, ModelTool, ToolRunner } from '../../turn/ports.js';
import { errorEnvelope, resultEnvelope } from './envelope.js';
import { toStrictJsonSchema } from './json-schema.js';
import { type AnyTool, type ToolContext, ToolError, type ToolErrorCode } from './types.js';

export interface ToolLimits {
  timeoutMs: number;
  maxOutputChars: number;
}

/** The tools this deployment offers, with their JSON schemas computed (and checked for strictness) once. */
export class ToolRegistry {
  readonly definitions: ModelTool[];
  private readonly byName: Map<string, AnyTool>;

  constructor(
    readonly tools: readonly AnyTool[],
    hosted: readonly ModelTool[] = [],
  ) {
    this.byName = new Map(tools.map((t) => [t.name, t]));
    this.definitions = [
      ...tools.map(
        (t): ModelTool => ({
          type: 'function',
          name: t.name,
          description: t.description,
          parameters: toStrictJsonSchema(t.parameters),
          strict: true,
        }),
      ),
      ...hosted,
    ];
  }

  get(name: string): AnyTool | undefined {
    return this.byName.get(name);
  }

  /** Binds the asking user's context for one turn; `allowed` narrows the tools to a channel's list. */
  session(ctx: ToolContext, limits: ToolLimits, log: Logger, allowed?: readonly string[]): ToolSession {
    return new ToolSession(this, ctx, limits, log, allowed);
  }

  /** The definitions a channel may use; hosted file_search rides with search_policies. */
  definitionsFor(allowed?: readonly string[]): ModelTool[] {
    if (!allowed) return this.definitions;
    return this.definitions.filter((d) => allowed.includes(d.type === 'function' ? d.name : 'search_policies'));
  }
}

const zodMessage = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) =>
  issues.map((i) => `${i.path.map(String).join('.') || '(arguments)'}: ${i.message}`).join('; ');

/**
 * Runs the model's calls on behalf of one user: parse, validate, authorize, run under a timeout, format. Each call
 * gets exactly one output, failures included, so the model can correct itself and the conversation stays valid.
 */
export class ToolSession implements ToolRunner {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly ctx: ToolContext,
    private readonly limits: ToolLimits,
    private readonly log: Logger,
    private readonly allowed?: readonly string[],
  ) {}

  get definitions(): ModelTool[] {
    return this.registry.definitionsFor(this.allowed);
  }

  progress(calls: readonly FunctionCall[]): string {
    const labels = [...new Set(calls.map((c) => this.label(c)))];
    const first = labels[0] ?? 'is working…';
    return labels.length > 1 ? `${first.replace(/…$/, '')} and ${labels.length - 1} more…` : first;
  }

  run(calls: readonly FunctionCall[], signal?: AbortSignal): Promise<FunctionOutput[]> {
    return Promise.all(calls.map(async (c) => ({ callId: c.callId, output: await this.runOne(c, signal) })));
  }

  decline(calls: readonly FunctionCall[], reason: string): FunctionOutput[] {
    return calls.map((c) => ({
      callId: c.callId,
      output: errorEnvelope(c.name, 'round_limit', `Not run: ${reason}.`),
    }));
  }

  private label(call: FunctionCall): string {
    const tool = this.registry.get(call.name);
    if (!tool) return 'is working…';
    try {
      const parsed = tool.parameters.safeParse(JSON.parse(call.arguments));
      return parsed.success ? tool.progress(parsed.data) : 'is working…';
    } catch {
      return 'is working…';
    }
  }

  private async runOne(call: FunctionCall, outer?: AbortSignal): Promise<string> {
    const started = Date.now();
    const done = (code: ToolErrorCode | 'ok', output: string) => {
      const level = code === 'ok' || code === 'not_found' ? 'info' : code === 'internal_error' ? 'error' : 'warn';
      this.log[level](
        {
          event: 'tool_call',
          tool: call.name,
          call_id: call.callId,
          outcome: code,
          latency_ms: Date.now() - started,
          output_chars: output.length,
        },
        'tool call finished',
      );
      return output;
    };
    const fail = (code: ToolErrorCode, message: string) => done(code, errorEnvelope(call.name, code, message));

    const tool = this.registry.get(call.name);
    const usable = this.registry.tools.filter((t) => !this.allowed || this.allowed.includes(t.name));
    if (!tool || !usable.includes(tool))
      return fail(
        'unknown_tool',
        `There is no tool named "${call.name}" here. Available: ${usable.map((t) => t.name).join(', ') || 'none'}.`,
      );
    let raw: unknown;
    try {
      raw = JSON.parse(call.arguments);
    } catch {
      return fail('invalid_json', 'The arguments are not valid JSON. Send one JSON object matching the schema.');
    }
    const parsed = tool.parameters.safeParse(raw);
    if (!parsed.success)
      return fail('invalid_arguments', `The arguments do not match the schema: ${zodMessage(parsed.error.issues)}.`);

    const timeout = AbortSignal.timeout(this.limits.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    try {
      tool.authorize(this.ctx, parsed.data);
      const result = await raceAbort(tool.run(this.ctx, parsed.data, signal), signal);
      const budget = this.limits.maxOutputChars - 300;
      return done('ok', resultEnvelope(tool.name, tool.format(result, budget), this.limits.maxOutputChars));
    } catch (err) {
      if (err instanceof ToolError) return fail(err.code, err.message);
      if (timeout.aborted)
        return fail(
          'timeout',
          `The tool did not finish within ${Math.round(this.limits.timeoutMs / 1000)} s. Tell the user it is unavailable right now.`,
        );
      this.log.error({ err, tool: call.name, call_id: call.callId }, 'tool failed unexpectedly');
      return fail('internal_error', 'The tool failed unexpectedly. Tell the user it is unavailable right now.');
    }
  }
}

/** Rejects as soon as the signal aborts, even when the work itself ignores the signal. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
