import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChannelSettings } from '../../../src/config/settings.js';
import { type CallContext, callModel, HARDER_FACTOR } from '../../../src/turn/call-model.js';
import { ContextFitter } from '../../../src/turn/fit-request.js';
import { type ModelCall, ModelError, type ModelRequest, type ReplySink } from '../../../src/turn/ports.js';
import { runTurn } from '../../../src/turn/run-turn.js';
import type { ThreadItem, ThreadKey } from '../../../src/turn/thread.js';
import { TokenCounter } from '../../../src/turn/tokens.js';
import { answer, ScriptedModel } from '../../support/fake-model-port.js';
import { RecordingReplySink } from '../../support/fake-reply-sink.js';
import { fakeThreadStore } from '../../support/fake-thread-store.js';
import { en, translators } from '../../support/translators.js';

const log = pino({ level: 'silent' });
const say = (ts: string, text: string): Extract<ThreadItem, { type: 'user' }> => ({
  type: 'user',
  ts,
  userId: 'U1',
  userName: 'Ada',
  text,
});
const question = say('9.9', 'Which plan includes SSO?');
const base: Omit<ModelRequest, 'items'> = {
  model: 'gpt-4o',
  instructions: 'Be brief.',
  maxOutputTokens: 500,
  safetyIdentifier: 'u',
  promptCacheKey: 'k',
  metadata: { turn: 't1' },
  store: true,
};

/** What callModel did, as the user and the log would see it. */
function context(model: ScriptedModel, extra: Partial<CallContext> & { fullItems?: ThreadItem[] } = {}) {
  const shown: string[] = [];
  const statuses: string[] = [];
  const observed: Array<{ call?: ModelCall; error?: ModelError }> = [];
  const fullItems = extra.fullItems ?? [question];
  const ctx: CallContext = {
    model,
    sink: { status: (s: string) => statuses.push(s) } as unknown as ReplySink,
    translator: en,
    log,
    fullItems,
    unchained: () => ({ ...base, items: fullItems }),
    observe: (_req, call, error) => observed.push({ call, error }),
    onText: (d) => shown.push(d),
    shown: () => shown.length > 0,
    ...extra,
  };
  return { ctx, shown, statuses, observed };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('callModel: the recoveries that are safe before anything was shown', () => {
  it('resends the whole history when OpenAI no longer has the chained response, and the user gets the answer', async () => {
    const history = [say('1.1', 'We are on the Team plan.'), { type: 'assistant' as const, text: 'Noted.' }, question];
    const model = new ScriptedModel(
      [{ fail: new ModelError('previous_response_missing', 'gone', { code: 'previous_response_not_found' }) }],
      answer('Enterprise includes SSO.'),
    );
    const { ctx, shown, observed } = context(model, { fullItems: history });
    const { call, request } = await callModel({ ...base, previousResponseId: 'resp_old', items: [question] }, ctx);

    expect(shown.join('')).toBe('Enterprise includes SSO.');
    expect(call.responseId).toBe('resp_1');
    expect(model.requests[0]).toMatchObject({ previousResponseId: 'resp_old', items: [question] });
    expect(model.requests[1]!.previousResponseId).toBeUndefined();
    expect(model.requests[1]!.items).toEqual(history);
    expect(request).toEqual(model.requests[1]);
    expect(observed.map((o) => o.error?.kind ?? 'ok')).toEqual(['previous_response_missing', 'ok']);
  });

  it('trims the history harder and retries once when OpenAI says the input is still too long', async () => {
    const long = Array.from({ length: 40 }, (_, i) => say(`${i}.1`, `Earlier message ${i}: ${'context '.repeat(60)}`));
    const history = [...long, question];
    const model = new ScriptedModel(
      [{ fail: new ModelError('context_length', 'Your input exceeds the context window of this model.') }],
      answer('Enterprise.'),
    );
    const counter = new TokenCounter();
    const fitter = new ContextFitter(counter, 100_000);
    const { ctx, shown } = context(model, { fitter, fullItems: history });
    await callModel({ ...base, items: history }, ctx);

    expect(shown.join('')).toBe('Enterprise.');
    const [first, second] = model.requests.map(
      (r) => counter.fixed(r.instructions, undefined) + counter.items(r.items),
    );
    expect(model.requests[0]!.items).toHaveLength(history.length); // everything fitted the configured budget
    expect(second!).toBeLessThanOrEqual(Math.floor(first! * HARDER_FACTOR));
    expect(model.requests[1]!.items.at(-1)).toEqual(question); // the question itself always goes
  });

  it('does not retry a second "too long": the user is told instead of waiting for more attempts', async () => {
    const tooLong = () => [{ fail: new ModelError('context_length', 'too long') }];
    const model = new ScriptedModel(tooLong(), tooLong(), answer('never sent'));
    const { ctx } = context(model, { fitter: new ContextFitter(new TokenCounter(), 100_000) });
    await expect(callModel({ ...base, items: [question] }, ctx)).rejects.toMatchObject({ kind: 'context_length' });
    expect(model.requests).toHaveLength(2);
    expect(model.remaining).toBe(1);
  });

  it('retries nothing once text reached the user: shown text cannot be taken back', async () => {
    const model = new ScriptedModel(
      [{ text: 'Enterprise incl' }, { fail: new ModelError('previous_response_missing', 'gone') }],
      answer('never sent'),
    );
    const { ctx, shown } = context(model);
    await expect(callModel({ ...base, previousResponseId: 'resp_old', items: [question] }, ctx)).rejects.toMatchObject({
      kind: 'previous_response_missing',
    });
    expect(shown.join('')).toBe('Enterprise incl');
    expect(model.requests).toHaveLength(1);
  });

  it('shows the place in line while the call waits for the rate limiter', async () => {
    const model = new ScriptedModel([{ queued: 2 }, { queued: 1 }, ...answer('Enterprise.')]);
    const { ctx, statuses } = context(model);
    await callModel({ ...base, items: [question] }, ctx);
    expect(statuses).toEqual(["is busy — you're #2 in line…", "is busy — you're #1 in line…"]);
  });
});

describe('runTurn: restart after a stall', () => {
  const key: ThreadKey = { teamId: 'T1', channel: 'C1', threadTs: '1.0' };
  const settings: ChannelSettings = {
    instructions: 'Be brief.',
    model: 'gpt-4o',
    maxOutputTokens: 500,
    requireMention: false,
    imageDetail: 'auto',
    answerVisibility: 'thread',
  };

  const deps = (model: ScriptedModel, threads = fakeThreadStore()) => ({
    model,
    threads,
    log,
    requestOptions: { store: false, chainPreviousResponse: false },
    stallSeconds: 45,
    maxToolRounds: 3,
    translators,
  });
  const input = (sink: RecordingReplySink) => ({
    turnId: 't1',
    key,
    settings,
    user: { id: 'U1', name: 'Ada' },
    text: question.text,
    messageTs: '1.0',
    sink,
  });

  it('starts the answer over once, in the same message under a note, when the stream stalls mid-answer', async () => {
    const sink = new RecordingReplySink();
    const threads = fakeThreadStore();
    // The adapter reports a stall after 45 s without data (stall_timeout_ms); the turn then starts over.
    const model = new ScriptedModel(
      [{ text: 'Enterprise incl' }, { waitMs: 45_000 }, { fail: new ModelError('stalled', 'no data for 45000 ms') }],
      answer('Enterprise includes SSO.'),
    );
    const turn = runTurn(input(sink), deps(model, threads));
    await vi.advanceTimersByTimeAsync(45_000);
    const result = await turn;

    expect(result.outcome).toBe('answered');
    expect(sink.events[0]).toEqual({ type: 'append', delta: 'Enterprise incl' });
    expect(sink.events.filter((e) => e.type === 'restart')).toEqual([
      { type: 'restart', note: en.t('notice.restarted') },
    ]);
    expect(sink.shown).toBe('Enterprise includes SSO.');
    expect(sink.end).toEqual({ type: 'finish', outcome: 'answered' });
    expect(model.requests).toHaveLength(2);
    // Only the complete answer is remembered, not the half that stalled.
    const stored = await threads.load(key);
    expect(stored.filter((i) => i.type === 'assistant')).toEqual([
      expect.objectContaining({ text: 'Enterprise includes SSO.' }),
    ]);
  });

  it('gives up with the stall notice when the restarted answer stalls too', async () => {
    const sink = new RecordingReplySink();
    const stall = () => [{ text: 'Enter' }, { waitMs: 45_000 }, { fail: new ModelError('stalled', 'stalled') }];
    const model = new ScriptedModel(stall(), stall());
    const turn = runTurn(input(sink), deps(model));
    await vi.advanceTimersByTimeAsync(90_000);
    const result = await turn;
    expect(result.outcome).toBe('failed');
    expect(sink.end).toEqual({
      type: 'finish',
      outcome: 'failed',
      notice: '⚠️ The model stopped sending data for 45 s, so I stopped waiting. Please try again.',
    });
    expect(model.requests).toHaveLength(2);
  });
});
