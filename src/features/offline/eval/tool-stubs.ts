import type { ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import type { StepStatus } from '../../../i18n/step-labels.js';
import type { Translator } from '../../../i18n/translators.js';

import { errorEnvelope, resultEnvelope } from '../../../platform/tools/envelope.js';
import { type ToolLimits, ToolRegistry, type ToolSession } from '../../../platform/tools/runner.js';
import { defineTool, type ToolContext } from '../../../platform/tools/types.js';
import type { FunctionCall, FunctionOutput, ModelTool, ToolRunner } from '../../../turn/ports.js';
import { TOOL_SPECS } from '../../tools/specs.js';
import { isBuiltInTool, type ToolStub } from './cases.js';
import { ajv } from './json-schema.js';

interface CustomStub {
  stub: ToolStub;
  validate: ValidateFunction;
}

/**
 * A case's tools as the turn's ToolRunner, recording every call the model makes. A stub of a built-in tool is the
 * real tool (strict schema, argument validation, progress label, result envelope) run by the production
 * ToolSession, with the stub's `returns` in place of its backend. A custom stub is checked against its own schema
 * and answered in the same envelope.
 */
export class StubToolRunner implements ToolRunner {
  /** Every function call the model made, in order, including calls declined at the round limit. */
  readonly calls: FunctionCall[] = [];
  readonly definitions: ModelTool[];
  private readonly builtIn: ToolSession;
  private readonly registry: ToolRegistry;
  private readonly custom = new Map<string, CustomStub>();

  constructor(
    stubs: readonly ToolStub[],
    ctx: ToolContext,
    private readonly limits: ToolLimits,
    log: Logger,
  ) {
    const real = stubs.flatMap((s) =>
      isBuiltInTool(s.name) ? [{ spec: TOOL_SPECS[s.name], returns: s.returns ?? null }] : [],
    );
    this.registry = new ToolRegistry(
      real.map(({ spec, returns }) =>
        defineTool({ ...spec, authorize: () => undefined, run: async () => returns, format: (r) => r }),
      ),
    );
    this.builtIn = this.registry.session(ctx, limits, log);
    for (const stub of stubs) {
      if (!isBuiltInTool(stub.name)) this.custom.set(stub.name, { stub, validate: ajv.compile(stub.parameters ?? {}) });
    }
    this.definitions = stubs.map((s): ModelTool => {
      const custom = this.custom.get(s.name);
      if (!custom) return this.registry.definitions.find((d) => d.type === 'function' && d.name === s.name)!;
      return {
        type: 'function',
        name: s.name,
        description: custom.stub.description ?? '',
        parameters: custom.stub.parameters ?? {},
        strict: true,
      };
    });
  }

  progress(calls: readonly FunctionCall[], t: Translator): StepStatus {
    return this.builtIn.progress(calls, t);
  }

  title(call: FunctionCall, t: Translator): string {
    return this.builtIn.title(call, t);
  }

  run(calls: readonly FunctionCall[], signal?: AbortSignal): Promise<FunctionOutput[]> {
    this.calls.push(...calls);
    return Promise.all(
      calls.map(async (call): Promise<FunctionOutput> => {
        const custom = this.custom.get(call.name);
        if (custom) return { callId: call.callId, output: this.runCustom(call, custom) };
        if (this.registry.get(call.name)) return (await this.builtIn.run([call], signal))[0]!;
        const names = [...this.definitions.map((d) => (d.type === 'function' ? d.name : d.type))].join(', ');
        return {
          callId: call.callId,
          output: errorEnvelope(
            call.name,
            'unknown_tool',
            `There is no tool named "${call.name}". Available: ${names}.`,
          ),
        };
      }),
    );
  }

  decline(calls: readonly FunctionCall[], reason: string): FunctionOutput[] {
    this.calls.push(...calls);
    return this.builtIn.decline(calls, reason);
  }

  private runCustom(call: FunctionCall, { stub, validate }: CustomStub): string {
    let args: unknown;
    try {
      args = JSON.parse(call.arguments);
    } catch {
      return errorEnvelope(
        call.name,
        'invalid_json',
        'The arguments are not valid JSON. Send one JSON object matching the schema.',
      );
    }
    if (!validate(args))
      return errorEnvelope(
        call.name,
        'invalid_arguments',
        `The arguments do not match the schema: ${ajv.errorsText(validate.errors)}.`,
      );
    return resultEnvelope(call.name, stub.returns ?? null, this.limits.maxOutputChars);
  }
}

/** Suite tools first, a case's own tools replacing any of the same name. */
export function mergeStubs(suite: readonly ToolStub[], own: readonly ToolStub[]): ToolStub[] {
  return [...suite.filter((s) => !own.some((o) => o.name === s.name)), ...own];
}
