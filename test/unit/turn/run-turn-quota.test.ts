import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../src/config/file-schema.js';
import { channelSettings } from '../../../src/config/settings.js';
import { storeKeys } from '../../../src/platform/store/keys.js';
import { MemoryThreadStore } from '../../../src/platform/store/memory/memory-stores.js';
import { ContextFitter } from '../../../src/turn/fit-request.js';
import {
  type CallEstimate,
  type FunctionCall,
  ModelError,
  type ModelEvent,
  type ModelPort,
  type ModelRequest,
  type ModelUsage,
  type QuotaPort,
  type ReplySink,
  type ToolRunner,
} from '../../../src/turn/ports.js';
import { runTurn } from '../../../src/turn/run-turn.js';
import { Summarizer } from '../../../src/turn/summarize.js';
import type { ThreadItem } from '../../../src/turn/thread.js';
import { TokenCounter } from '../../../src/turn/tokens.js';
import { translators } from '../../support/translators.js';

const key = { teamId: 'T1', channel: 'C1', threadTs: '1.000000' };
const file = fileConfigSchema.parse({});
const settings = channelSettings(file, 'gpt-4o', key.channel, false);
const counter = new TokenCounter();
const USAGE: ModelUsage = { inputTokens: 100, cachedTokens: 0, outputTokens: 10 };

const done = (functionCalls: FunctionCall[] = []): ModelEvent => ({
  type: 'done',
  call: {
    responseId: `r${Math.random()}`,
    model: 'gpt-4o-2024-08-06',
    status: 'completed',
    functionCalls,
    usage: USAGE,
  },
});

/** Answers summaries with notes; the main calls follow `script` in order. */
function scriptedModel(script: Array<() => ModelEvent[]>): { port: ModelPort; requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  let next = 0;
  return {
    requests,
    port: {
      async *stream(request) {
        requests.push(request);
        if (request.metadata.purpose === 'summary') {
          yield { type: 'text', delta: 'Ada asked about invoices.' };
          yield done();
          return;
        }
        for (const e of script[next++]!()) yield e;
      },
    },
  };
}

/** Admits everything; records each admission and whether it was settled. */
function recordingQuota() {
  const calls: Array<{ estimate: CallEstimate; settled?: ModelUsage }> = [];
  const quota: QuotaPort = {
    account: () => ({
      async admit(estimate) {
        const entry: { estimate: CallEstimate; settled?: ModelUsage } = { estimate };
        calls.push(entry);
        return { ok: true, settle: async (_m, usage) => void (entry.settled = usage) };
      },
    }),
  };
  return { quota, calls };
}

const sink: ReplySink = {
  append: () => undefined,
  status: () => undefined,
  restart: async () => undefined,
  finish: async () => ({ messageTs: ['2.000000'] }),
};

const tools: ToolRunner = {
  definitions: [
    { type: 'function', name: 'lookup', description: 'look up', parameters: { type: 'object' }, strict: true },
  ],
  progress: () => ({ text: 'is looking…', loading: 'Looking…' }),
  title: () => 'Looking',
  run: async (calls) => calls.map((c) => ({ callId: c.callId, output: '{"ok":true}' })),
  decline: (calls) => calls.map((c) => ({ callId: c.callId, output: '{"ok":false}' })),
};

describe('every model call of a turn goes through the quota', () => {
  it('admits and settles the summary, the retry after context_length_exceeded and each tool round', async () => {
    const threads = new MemoryThreadStore(storeKeys('t:'), 3600, 10);
    const long = (i: number) => `message ${i} ${'lorem ipsum dolor '.repeat(120)}`;
    const history: ThreadItem[] = Array.from({ length: 12 }, (_, i) =>
      i % 2
        ? { type: 'assistant', text: long(i) }
        : { type: 'user', ts: `1.${i}`, userId: 'U1', userName: 'Ada', text: long(i) },
    );
    const model = scriptedModel([
      () => {
        throw new ModelError('context_length', 'too long', { code: 'context_length_exceeded' });
      },
      () => [done([{ callId: 'c1', name: 'lookup', arguments: '{}' }])],
      () => [{ type: 'text', delta: 'Answer.' }, done()],
    ]);
    const { quota, calls } = recordingQuota();
    const result = await runTurn(
      {
        turnId: 'turn-1',
        key,
        settings,
        user: { id: 'U1', name: 'Ada' },
        text: 'hi',
        messageTs: '2.0',
        history,
        sink,
        tools,
      },
      {
        model: model.port,
        threads,
        log: pino({ level: 'silent' }),
        requestOptions: { store: false, chainPreviousResponse: false },
        stallSeconds: 30,
        maxToolRounds: 6,
        translators,
        context: new ContextFitter(counter, 3_000, new Summarizer('gpt-4o-mini', counter)),
        quota,
      },
    );
    expect(result.outcome).toBe('answered');
    const purposes = model.requests.map((r) => r.metadata.purpose ?? r.model);
    // Summary, the call OpenAI found too long, a new summary of the larger dropped span, the retry, the tool round.
    expect(purposes).toEqual(['summary', 'gpt-4o', 'summary', 'gpt-4o', 'gpt-4o']);
    // One admission per request that reached the model, none missed, each settled.
    expect(calls.map((c) => c.estimate.model)).toEqual(model.requests.map((r) => r.model));
    expect(calls.every((c) => c.settled)).toBe(true);
    // The refused-by-OpenAI attempt streamed nothing and counts nothing; the others count what they reported.
    expect(calls.filter((c) => c.settled!.inputTokens === 0)).toHaveLength(1);
  });
});
