import { errorEnvelope, resultEnvelope } from '../../src/platform/tools/envelope.js';
import { ToolError } from '../../src/platform/tools/types.js';
import type { FunctionCall, FunctionOutput, ModelTool, ToolRunner } from '../../src/turn/ports.js';

export type ToolHandler = (args: unknown) => unknown;

/** A call the model makes: its arguments given as an object and sent as the JSON text the API carries. */
export const call = (callId: string, name: string, args: Record<string, unknown> = {}): FunctionCall => ({
  callId,
  name,
  arguments: JSON.stringify(args),
});

/**
 * A ToolRunner over plain handlers, answering like the real session: one output per call, in order, each a result
 * or error envelope (an unknown tool, bad JSON or a thrown ToolError included). Records what it ran and declined.
 */
export class FakeToolRunner implements ToolRunner {
  readonly rounds: FunctionCall[][] = [];
  readonly declined: Array<{ calls: FunctionCall[]; reason: string }> = [];
  readonly definitions: ModelTool[];

  constructor(private readonly handlers: Record<string, ToolHandler>) {
    this.definitions = Object.keys(handlers).map((name) => ({
      type: 'function',
      name,
      description: `${name} (fake)`,
      parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
      strict: true,
    }));
  }

  progress(calls: readonly FunctionCall[]): { text: string; loading: string } {
    const names = calls.map((c) => c.name).join(', ');
    return { text: `is running ${names}…`, loading: `Running ${names}…` };
  }

  title(call: FunctionCall): string {
    return `Running ${call.name}`;
  }

  async run(calls: readonly FunctionCall[]): Promise<FunctionOutput[]> {
    this.rounds.push([...calls]);
    return Promise.all(calls.map(async (c) => ({ callId: c.callId, output: await this.runOne(c) })));
  }

  decline(calls: readonly FunctionCall[], reason: string): FunctionOutput[] {
    this.declined.push({ calls: [...calls], reason });
    return calls.map((c) => ({
      callId: c.callId,
      output: errorEnvelope(c.name, 'round_limit', `Not run: ${reason}.`),
    }));
  }

  private async runOne(c: FunctionCall): Promise<string> {
    const handler = this.handlers[c.name];
    if (!handler) return errorEnvelope(c.name, 'unknown_tool', `There is no tool named "${c.name}" here.`);
    let args: unknown;
    try {
      args = JSON.parse(c.arguments);
    } catch {
      return errorEnvelope(c.name, 'invalid_json', 'The arguments are not valid JSON.');
    }
    try {
      return resultEnvelope(c.name, await handler(args), 4_000);
    } catch (err) {
      if (err instanceof ToolError) return errorEnvelope(c.name, err.code, err.message);
      return errorEnvelope(c.name, 'internal_error', 'The tool failed unexpectedly.');
    }
  }
}
