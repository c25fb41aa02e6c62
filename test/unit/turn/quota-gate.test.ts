import { describe, expect, it } from 'vitest';
import {
  type CallEstimate,
  ModelError,
  type ModelEvent,
  type ModelPort,
  type ModelRequest,
  type ModelUsage,
  type QuotaAccount,
} from '../../../src/turn/ports.js';
import { QuotaRefused, quotaGated } from '../../../src/turn/quota-gate.js';

const request: ModelRequest = {
  model: 'gpt-4o',
  instructions: 'be brief',
  items: [],
  maxOutputTokens: 500,
  safetyIdentifier: 'h',
  promptCacheKey: 'k',
  metadata: {},
  store: false,
};

/** An account that admits everything and records what each call was settled with. */
function recordingAccount(refuse = false) {
  const admitted: CallEstimate[] = [];
  const settled: Array<{ model: string; usage: ModelUsage }> = [];
  const account: QuotaAccount = {
    async admit(call) {
      admitted.push(call);
      if (refuse) return { ok: false, limit: 'user_daily_tokens', notice: () => 'limit reached' };
      return { ok: true, settle: async (model, usage) => void settled.push({ model, usage }) };
    },
  };
  return { account, admitted, settled };
}

const model = (events: ModelEvent[], fail?: ModelError): ModelPort => ({
  async *stream() {
    for (const e of events) yield e;
    if (fail) throw fail;
  },
});
const done = (usage?: ModelUsage): ModelEvent => ({
  type: 'done',
  call: {
    responseId: 'r',
    model: 'gpt-4o-2024-08-06',
    status: 'completed',
    functionCalls: [],
    ...(usage ? { usage } : {}),
  },
});
async function drain(port: ModelPort): Promise<void> {
  for await (const _ of port.stream(request)) void _;
}

describe('a turn’s model port under quotas', () => {
  it('admits each call with its input and output cap, and settles it with what the model reported', async () => {
    const r = recordingAccount();
    const gated = quotaGated(
      model([{ type: 'text', delta: 'hi' }, done({ inputTokens: 90, cachedTokens: 0, outputTokens: 3 })]),
      r.account,
      {
        inputTokens: () => 120,
      },
    );
    await drain(gated);
    await drain(gated);
    expect(r.admitted).toEqual([
      { model: 'gpt-4o', inputTokens: 120, maxOutputTokens: 500 },
      { model: 'gpt-4o', inputTokens: 120, maxOutputTokens: 500 },
    ]);
    expect(r.settled).toEqual([
      { model: 'gpt-4o-2024-08-06', usage: { inputTokens: 90, cachedTokens: 0, outputTokens: 3 } },
      { model: 'gpt-4o-2024-08-06', usage: { inputTokens: 90, cachedTokens: 0, outputTokens: 3 } },
    ]);
  });

  it('never counts a call as free when the server reports no usage: the input estimate and the streamed text count', async () => {
    const r = recordingAccount();
    await drain(
      quotaGated(model([{ type: 'text', delta: 'x'.repeat(40) }, done()]), r.account, { inputTokens: () => 120 }),
    );
    expect(r.settled[0]!.usage).toEqual({ inputTokens: 120, cachedTokens: 0, outputTokens: 10 });
  });

  it('counts a stream that broke after text, and nothing for a call refused before any text', async () => {
    const r = recordingAccount();
    const broke = quotaGated(
      model([{ type: 'text', delta: 'x'.repeat(8) }], new ModelError('connection', 'reset')),
      r.account,
      {
        inputTokens: () => 50,
      },
    );
    await expect(drain(broke)).rejects.toThrow('reset');
    const rejected = quotaGated(model([], new ModelError('server', '500')), r.account, { inputTokens: () => 50 });
    await expect(drain(rejected)).rejects.toThrow('500');
    expect(r.settled.map((s) => s.usage)).toEqual([
      { inputTokens: 50, cachedTokens: 0, outputTokens: 2 },
      { inputTokens: 0, cachedTokens: 0, outputTokens: 0 },
    ]);
  });

  it('counts a call the person stopped: what it read, and what it wrote until the Stop', async () => {
    const r = recordingAccount();
    const stop = new AbortController();
    const stopped = quotaGated(
      model([{ type: 'text', delta: 'x'.repeat(12) }], new ModelError('aborted', 'request aborted')),
      r.account,
      { inputTokens: () => 70 },
    );
    const early = quotaGated(model([], new ModelError('aborted', 'request aborted')), r.account, {
      inputTokens: () => 70,
    });
    stop.abort();
    const drainStopped = async (port: ModelPort) => {
      for await (const _ of port.stream(request, stop.signal)) void _;
    };
    await expect(drainStopped(stopped)).rejects.toThrow('aborted');
    await expect(drainStopped(early)).rejects.toThrow('aborted');
    expect(r.settled.map((s) => s.usage)).toEqual([
      { inputTokens: 70, cachedTokens: 0, outputTokens: 3 },
      // Stopped before its first word: OpenAI had the request, so its input counts.
      { inputTokens: 70, cachedTokens: 0, outputTokens: 0 },
    ]);
  });

  it('does not call the model at all when the account refuses', async () => {
    const r = recordingAccount(true);
    let called = false;
    const inner: ModelPort = {
      // biome-ignore lint/correctness/useYield: a stream that records being opened
      async *stream() {
        called = true;
      },
    };
    await expect(drain(quotaGated(inner, r.account, { inputTokens: () => 1 }))).rejects.toBeInstanceOf(QuotaRefused);
    expect(called).toBe(false);
  });
});
