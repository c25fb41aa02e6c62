import type { ToolStub } from './cases.js';

/**
 * The shape of the tools work's ToolRunner port (definitions + run), defined here until that work lands on this
 * branch: a case's tools are stubs that answer with canned results and record what the model asked.
 */
export interface FunctionCall {
  callId: string;
  name: string;
  arguments: string;
}

export interface FunctionOutput {
  callId: string;
  output: string;
}

export interface FunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  strict: true;
}

export interface ToolRunnerLike {
  readonly definitions: FunctionTool[];
  run(calls: readonly FunctionCall[]): Promise<FunctionOutput[]>;
}

/** Answers each call with the stub's canned result; unknown tools get an error result, as a real runner would. */
export class StubToolRunner implements ToolRunnerLike {
  readonly calls: FunctionCall[] = [];
  readonly definitions: FunctionTool[];

  constructor(private readonly stubs: readonly ToolStub[]) {
    this.definitions = stubs.map((s) => ({ type: 'function', name: s.name, description: s.description, parameters: s.parameters, strict: true }));
  }

  async run(calls: readonly FunctionCall[]): Promise<FunctionOutput[]> {
    this.calls.push(...calls);
    return calls.map((call) => {
      const stub = this.stubs.find((s) => s.name === call.name);
      if (!stub) return { callId: call.callId, output: JSON.stringify({ error: `unknown tool ${call.name}` }) };
      return { callId: call.callId, output: typeof stub.returns === 'string' ? stub.returns : JSON.stringify(stub.returns ?? null) };
    });
  }
}

/** Suite tools first, a case's own tools replacing any of the same name. */
export function mergeStubs(suite: readonly ToolStub[], own: readonly ToolStub[]): ToolStub[] {
  return [...suite.filter((s) => !own.some((o) => o.name === s.name)), ...own];
}
