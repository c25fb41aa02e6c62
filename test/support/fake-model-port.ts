import {
  type FunctionCall,
  type ModelCall,
  ModelError,
  type ModelEvent,
  type ModelPort,
  type ModelRequest,
} from '../../src/turn/ports.js';

/** One step of a scripted model call: some text, a place in the rate limiter's line, a pause, the end or a failure. */
export type ModelStep =
  | { text: string }
  | { queued: number }
  /** Waits this long (on the test's fake timers) before the next step, as a slow or stalled stream does. */
  | { waitMs: number }
  | { done: Partial<ModelCall> }
  | { fail: ModelError };

/** A call that streams `text` in a few deltas and completes, as the OpenAI adapter reports it. */
export const answer = (text: string, call: Partial<ModelCall> = {}): ModelStep[] => [
  ...(text.match(/[\s\S]{1,16}/g) ?? []).map((delta) => ({ text: delta })),
  { done: call },
];

/** A call that ends by asking for tools (no text), as a Responses API function-call round does. */
export const callsTools = (...calls: FunctionCall[]): ModelStep[] => [{ done: { functionCalls: calls } }];

/**
 * A ModelPort that plays one script per call, in order, and records every request. A call beyond the script
 * fails the test instead of answering something made up; an aborted signal ends the stream like the adapter does.
 */
export class ScriptedModel implements ModelPort {
  readonly requests: ModelRequest[] = [];
  private readonly scripts: ModelStep[][];
  private responses = 0;

  constructor(...scripts: ModelStep[][]) {
    this.scripts = scripts;
  }

  /** Calls not yet played. */
  get remaining(): number {
    return this.scripts.length;
  }

  async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
    this.requests.push(structuredClone(request));
    const script = this.scripts.shift();
    if (!script) throw new Error(`the model was called ${this.requests.length} times; the script has no more calls`);
    for (const step of script) {
      if (signal?.aborted) throw new ModelError('aborted', 'the call was aborted');
      if ('text' in step) yield { type: 'text', delta: step.text };
      else if ('queued' in step) yield { type: 'queued', position: step.queued };
      else if ('waitMs' in step) await new Promise((resolve) => setTimeout(resolve, step.waitMs));
      else if ('fail' in step) throw step.fail;
      else {
        this.responses++;
        yield {
          type: 'done',
          call: {
            responseId: `resp_${this.responses}`,
            model: 'gpt-4o-2024-08-06',
            status: 'completed',
            usage: { inputTokens: 100, cachedTokens: 0, outputTokens: 20 },
            requestId: `req_${this.responses}`,
            functionCalls: [],
            ...step.done,
          },
        };
        return;
      }
    }
    // A stream that just ends is what the adapter reports as a broken connection.
  }
}
