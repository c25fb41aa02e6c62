import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelSettings } from '../../../src/config/settings.js';
import type { MemoryThreadStore } from '../../../src/platform/store/memory/memory-stores.js';
import { noticeForRoundLimit } from '../../../src/turn/notices.js';
import type {
  CallAdmission,
  CallEstimate,
  ModelUsage,
  QuotaAccount,
  QuotaPort,
  QuotaRefusal,
  QuotaSubject,
} from '../../../src/turn/ports.js';
import { ModelError } from '../../../src/turn/ports.js';
import { runTurn, type TurnDeps, type TurnInput } from '../../../src/turn/run-turn.js';
import type { Attachment, ThreadItem } from '../../../src/turn/thread.js';
import { answer, callsTools, ScriptedModel } from '../../support/fake-model-port.js';
import { RecordingReplySink } from '../../support/fake-reply-sink.js';
import { fakeThreadStore } from '../../support/fake-thread-store.js';
import { call, FakeToolRunner } from '../../support/fake-tool-runner.js';
import { en, translators } from '../../support/translators.js';

const key = { teamId: 'T1', channel: 'C1', threadTs: '1700000000.000100' };
const settings: ChannelSettings = {
  instructions: 'Be brief.',
  model: 'gpt-4o',
  maxOutputTokens: 1_000,
  requireMention: false,
  imageDetail: 'auto',
  answerVisibility: 'thread',
};
const screenshot: Attachment = {
  kind: 'image',
  id: 'F1',
  name: 'checkout.png',
  mime: 'image/png',
  width: 1024,
  height: 768,
  detail: 'auto',
  data: new Uint8Array([137, 80, 78, 71]),
};

let threads: MemoryThreadStore;
let sink: RecordingReplySink;

beforeEach(() => {
  vi.useFakeTimers();
  threads = fakeThreadStore();
  sink = new RecordingReplySink();
});
afterEach(() => {
  vi.useRealTimers();
});

const deps = (model: ScriptedModel, extra: Partial<TurnDeps> = {}): TurnDeps => ({
  model,
  threads,
  log: pino({ level: 'silent' }),
  requestOptions: { store: false, chainPreviousResponse: false },
  stallSeconds: 30,
  maxToolRounds: 3,
  translators,
  ...extra,
});
const input = (extra: Partial<TurnInput> = {}): TurnInput => ({
  turnId: 'Ev1',
  key,
  settings,
  user: { id: 'U1', name: 'Ada' },
  text: 'Is SUP-101 fixed?',
  messageTs: '1700000000.000200',
  sink,
  ...extra,
});
const types = (items: readonly ThreadItem[]) => items.map((i) => i.type);

/** A quota that admits the first `admits` calls and refuses the rest; remembers what it was asked and settled. */
class CountingQuota implements QuotaPort {
  readonly subjects: QuotaSubject[] = [];
  readonly asked: CallEstimate[] = [];
  readonly settled: Array<{ model: string; usage: ModelUsage }> = [];
  constructor(
    private readonly admits: number,
    private readonly refusal: QuotaRefusal,
  ) {}
  account(subject: QuotaSubject): QuotaAccount {
    this.subjects.push(subject);
    return {
      admit: async (estimate): Promise<CallAdmission> => {
        this.asked.push(estimate);
        if (this.asked.length > this.admits) return this.refusal;
        return { ok: true, settle: async (model, usage) => void this.settled.push({ model, usage }) };
      },
    };
  }
}
const DAILY: QuotaRefusal = {
  ok: false,
  notice: () => '⛔ You have used your 20,000 tokens for today.',
  limit: 'user_daily_tokens',
};

describe('the round cap on tool calls', () => {
  it('stops a model that keeps asking for tools, says why, and leaves every call answered', async () => {
    const tools = new FakeToolRunner({ lookup_ticket: (args) => ({ found: args }) });
    const model = new ScriptedModel(
      callsTools(call('c1', 'lookup_ticket', { id: 'SUP-101' })),
      callsTools(call('c2', 'lookup_ticket', { id: 'SUP-102' })),
      callsTools(call('c3', 'lookup_ticket', { id: 'SUP-103' })),
    );

    const result = await runTurn(input({ tools }), deps(model, { maxToolRounds: 2 }));

    expect(result).toMatchObject({ outcome: 'answered', toolRounds: 2 });
    expect(tools.rounds.map((r) => r.map((c) => c.callId))).toEqual([['c1'], ['c2']]);
    expect(tools.declined).toEqual([
      {
        calls: [call('c3', 'lookup_ticket', { id: 'SUP-103' })],
        reason: 'the turn reached its limit of 2 tool rounds',
      },
    ]);
    expect(model.requests).toHaveLength(3);
    expect(sink.end).toEqual({ type: 'finish', outcome: 'answered', notice: noticeForRoundLimit(en, 2) });
    expect(sink.late).toBe(0);
    // The next turn's history stays well-formed: each call has its output, the declined one included.
    const stored = await threads.load(key);
    expect(types(stored)).toEqual([
      'user',
      'function_call',
      'function_call_output',
      'function_call',
      'function_call_output',
      'function_call',
      'function_call_output',
    ]);
    expect(JSON.parse((stored.at(-1) as { output: string }).output)).toMatchObject({
      ok: false,
      error: { code: 'round_limit' },
    });
  });

  it('lets a turn use its last allowed round and answer without a notice', async () => {
    const tools = new FakeToolRunner({ lookup_ticket: () => ({ status: 'open' }) });
    const model = new ScriptedModel(callsTools(call('c1', 'lookup_ticket', { id: 'SUP-101' })), answer('Still open.'));

    const result = await runTurn(input({ tools }), deps(model, { maxToolRounds: 1 }));

    expect(result).toMatchObject({ outcome: 'answered', toolRounds: 1 });
    expect(sink.shown).toBe('Still open.');
    expect(sink.end).toEqual({ type: 'finish', outcome: 'answered' });
    expect(sink.statuses).toEqual([{ type: 'status', text: 'is running lookup_ticket…', kind: 'tools' }]);
    // The second call carries the round's output back to the model.
    expect(types(model.requests[1]!.items)).toEqual(['user', 'function_call', 'function_call_output']);
    expect((await threads.load(key)).at(-1)).toMatchObject({
      type: 'assistant',
      ts: '1700000000.000900',
      text: 'Still open.',
    });
  });
});

describe('a model failure mid-turn', () => {
  it('keeps the finished tool round for the next turn and tells the user what failed', async () => {
    const tools = new FakeToolRunner({ lookup_ticket: () => ({ status: 'open' }) });
    const model = new ScriptedModel(callsTools(call('c1', 'lookup_ticket', { id: 'SUP-101' })), [
      { fail: new ModelError('server', 'HTTP 503', { status: 503, requestId: 'req_503' }) },
    ]);

    const result = await runTurn(input({ tools }), deps(model));

    expect(result).toMatchObject({ outcome: 'failed', toolRounds: 1, error: { kind: 'server' } });
    expect(sink.end).toMatchObject({ outcome: 'failed', notice: expect.stringContaining('(HTTP 503)') });
    expect(sink.end!.notice).toContain('req_503');
    expect(types(await threads.load(key))).toEqual(['user', 'function_call', 'function_call_output']);
  });
});

describe('quotas', () => {
  it('refuses a turn over its quota without calling the model, and still stores the question and its files', async () => {
    const quota = new CountingQuota(0, DAILY);
    const model = new ScriptedModel();

    const result = await runTurn(input({ attachments: [screenshot] }), deps(model, { quota }));

    expect(result).toMatchObject({ outcome: 'refused', toolRounds: 0, messageTs: ['1700000000.000900'] });
    expect(model.requests).toHaveLength(0);
    expect(sink.end).toEqual({ type: 'finish', outcome: 'failed', notice: DAILY.notice(en) });
    expect(quota.subjects).toEqual([{ teamId: 'T1', channel: 'C1', userId: 'U1', turnId: 'Ev1' }]);
    // The question is part of the thread for the next turn (once the quota resets), the screenshot with it.
    expect(await threads.load(key)).toEqual([
      {
        type: 'user',
        ts: '1700000000.000200',
        userId: 'U1',
        userName: 'Ada',
        text: 'Is SUP-101 fixed?',
        attachments: [screenshot],
      },
    ]);
  });

  it('stops between tool rounds when the quota runs out, keeping the round it paid for', async () => {
    const quota = new CountingQuota(1, DAILY);
    const tools = new FakeToolRunner({ lookup_ticket: () => ({ status: 'open' }) });
    const model = new ScriptedModel(callsTools(call('c1', 'lookup_ticket', { id: 'SUP-101' })), answer('never sent'));

    const result = await runTurn(input({ tools }), deps(model, { quota }));

    expect(result).toMatchObject({ outcome: 'refused', toolRounds: 1 });
    expect(model.requests).toHaveLength(1);
    expect(sink.end).toEqual({ type: 'finish', outcome: 'failed', notice: DAILY.notice(en) });
    expect(quota.settled).toEqual([
      { model: 'gpt-4o-2024-08-06', usage: { inputTokens: 100, cachedTokens: 0, outputTokens: 20 } },
    ]);
    expect(types(await threads.load(key))).toEqual(['user', 'function_call', 'function_call_output']);
  });
});

describe('context for one turn only (earlier Slack threads)', () => {
  it('lets the model read it before the question, but stores only the question and chains nothing on it', async () => {
    const model = new ScriptedModel(answer('See the earlier thread.'));
    await runTurn(
      input({ ephemeralContext: 'EARLIER: answered on 12 Nov: https://x.slack.com/archives/C1/p1' }),
      deps(model, { requestOptions: { store: true, chainPreviousResponse: true } }),
    );
    const asked = model.requests[0]!.items.find((i) => i.type === 'user') as { text: string };
    expect(asked.text).toBe('EARLIER: answered on 12 Nov: https://x.slack.com/archives/C1/p1\n\nIs SUP-101 fixed?');
    const stored = await threads.load(key);
    expect(JSON.stringify(stored)).not.toContain('EARLIER');
    expect(stored[0]).toMatchObject({ type: 'user', text: 'Is SUP-101 fixed?' });
    // The stored response read the context: the next turn must not chain on it.
    expect(stored[1]).toMatchObject({ type: 'assistant', text: 'See the earlier thread.' });
    expect((stored[1] as { responseId?: string }).responseId).toBeUndefined();
  });
});

describe('notices about tools that could not be offered', () => {
  it('are written in the asker’s language at the end of the answer', async () => {
    const model = new ScriptedModel(answer('はい。'));
    await runTurn(
      input({
        user: { id: 'U7', name: 'Yui', locale: 'ja-JP' },
        notices: [{ key: 'mcp.unreachable', values: { server: 'orders' } }],
      }),
      deps(model),
    );
    const end = sink.events.find((e) => e.type === 'finish') as { notice?: string } | undefined;
    expect(end?.notice).toBe('⚠️ orders が応答しなかったため、この回答ではそのツールを使えませんでした。');
  });
});
