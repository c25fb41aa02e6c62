import { describe, expect, it } from 'vitest';
import { groupTurns, inputBudget, planContext, shrinkTurn } from '../../../src/turn/budget.js';
import { ContextFitter } from '../../../src/turn/fit-request.js';
import type { ModelRequest } from '../../../src/turn/ports.js';
import type { ThreadItem } from '../../../src/turn/thread.js';
import { TokenCounter } from '../../../src/turn/tokens.js';

const counter = new TokenCounter();
const words = (n: number, seed: string) => Array.from({ length: n }, (_, i) => `${seed}${i % 97}`).join(' ');
const user = (i: number, len = 300): ThreadItem => ({
  type: 'user',
  ts: `${i}.0`,
  userId: 'U1',
  userName: 'Ada',
  text: `question ${i}: ${words(len, 'q')}`,
});
const answer = (i: number, len = 300): ThreadItem => ({ type: 'assistant', text: `answer ${i}: ${words(len, 'a')}` });
const thread = (turns: number, len = 300) =>
  Array.from({ length: turns }, (_, i) => [user(i, len), answer(i, len)]).flat();

const request = (items: ThreadItem[], extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model: 'gpt-4o',
  instructions: 'Be helpful.',
  items,
  maxOutputTokens: 1_000,
  safetyIdentifier: 's',
  promptCacheKey: 'k',
  metadata: {},
  store: false,
  ...extra,
});

describe('token counting', () => {
  it('counts o200k_base tokens and treats special-token strings as plain text', () => {
    expect(counter.text('hello world')).toBe(2);
    expect(counter.text('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('tokenizes each stored item once, however often it is counted', () => {
    let tokenized = 0;
    const c = new TokenCounter({ extraTokens: () => (tokenized++, 0) });
    const items = thread(5);
    for (let i = 0; i < 3; i++) c.items(items.map((x) => ({ ...x })));
    expect(tokenized).toBe(items.length);
  });

  it('counts instructions and tool schemas with every call', () => {
    const tools = [
      {
        type: 'function',
        name: 'lookup_ticket',
        parameters: { type: 'object', properties: { id: { type: 'string' } } },
      },
    ];
    expect(counter.fixed('Be helpful.', tools)).toBeGreaterThan(counter.fixed('Be helpful.', []) + 10);
  });

  it('shortens a text to a token limit keeping its head and tail', () => {
    const text = `START ${words(2_000, 'w')} END`;
    const short = counter.truncate(text, 200);
    expect(counter.text(short)).toBeLessThanOrEqual(200);
    expect(short.startsWith('START')).toBe(true);
    expect(short.endsWith('END')).toBe(true);
    expect(short).toContain('left out to fit the context window');
  });
});

describe('fitting a thread to the input budget', () => {
  it('never budgets more than 128,000 minus the output cap', () => {
    expect(inputBudget(128_000, 16_384)).toBe(111_616);
    expect(inputBudget(32_000, 4_096)).toBe(32_000);
  });

  it('keeps a 40-turn thread of long messages under budget, with the newest turn and the newest history', () => {
    const items = [...thread(40), user(40)];
    const plan = planContext(items, 8_000, counter);
    expect(counter.items(items)).toBeGreaterThan(40_000);
    expect(plan.tokens).toBeLessThanOrEqual(8_000);
    expect(counter.items(plan.kept)).toBe(plan.tokens);
    expect(plan.kept.at(-1)).toEqual(user(40));
    expect(plan.kept[0]!.type).toBe('user');
    expect([...plan.dropped, ...plan.kept]).toEqual(items);
  });

  it('never separates a function call from its output', () => {
    const tools: ThreadItem[] = [
      user(0),
      { type: 'function_call', callId: 'c1', name: 'search', arguments: JSON.stringify({ q: words(200, 's') }) },
      { type: 'function_call_output', callId: 'c1', output: words(1_500, 'o') },
      answer(0),
      user(1),
      { type: 'function_call', callId: 'c2', name: 'search', arguments: '{}' },
      { type: 'function_call_output', callId: 'c2', output: words(600, 'p') },
      answer(1),
      user(2),
    ];
    for (const budget of [500, 1_200, 2_000, 3_000, 5_000]) {
      const { kept } = planContext(tools, budget, counter);
      const calls = kept.filter((i) => i.type === 'function_call').map((i) => (i as { callId: string }).callId);
      const outputs = kept
        .filter((i) => i.type === 'function_call_output')
        .map((i) => (i as { callId: string }).callId);
      expect(outputs).toEqual(calls);
    }
    expect(groupTurns(tools).map((t) => t.length)).toEqual([4, 4, 1]);
  });

  it('moves the cut rarely, so the kept prefix stays the same over the next turns (prompt cache)', () => {
    const firsts = new Set<string>();
    for (let n = 60; n < 70; n++) {
      const plan = planContext([...thread(n, 50), user(n, 50)], 6_000, counter);
      expect(plan.tokens).toBeLessThanOrEqual(6_000);
      firsts.add(JSON.stringify(plan.kept[0]));
    }
    // Turns are ~130 tokens; dropping to 75 % frees room for ~11 turns before the cut has to move again.
    expect(firsts.size).toBeLessThanOrEqual(2);
  });

  it('shortens the newest turn itself when it alone is too long, keeping every item', () => {
    const huge: ThreadItem[] = [
      user(0, 5_000),
      { type: 'function_call', callId: 'c', name: 'f', arguments: '{}' },
      { type: 'function_call_output', callId: 'c', output: words(5_000, 'o') },
    ];
    const out = shrinkTurn(huge, 2_000, counter);
    expect(counter.items(out)).toBeLessThanOrEqual(2_000);
    expect(out.map((i) => i.type)).toEqual(['user', 'function_call', 'function_call_output']);
    expect((out[0] as { text: string }).text.startsWith('question 0')).toBe(true);
  });

  it('fits a request: instructions kept, oldest dropped with a note, newest question last', async () => {
    const fitter = new ContextFitter(counter, 5_000);
    const items = [...thread(30), user(30)];
    const fit = await fitter.fit(request(items));
    expect(fit.inputTokens).toBeLessThanOrEqual(5_000);
    expect(fit.request.instructions.startsWith('Be helpful.')).toBe(true);
    expect(fit.request.instructions).toMatch(/oldest messages of this conversation are not included/);
    expect(fit.request.items.at(-1)).toEqual(user(30));
    const harder = await fitter.fit(request(items), { ceiling: Math.floor(fit.inputTokens / 2) });
    expect(harder.inputTokens).toBeLessThanOrEqual(fit.inputTokens / 2);
    expect(harder.request.items.length).toBeLessThan(fit.request.items.length);
  });

  it('sends a chained request as is while the chain fits, and a trimmed history once it does not', async () => {
    const fitter = new ContextFitter(counter, 5_000);
    const all = [...thread(30), user(30)];
    const small = await fitter.fit(request([user(30)], { previousResponseId: 'resp_1' }), { fullItems: all.slice(-3) });
    expect(small.request.previousResponseId).toBe('resp_1');
    const big = await fitter.fit(request([user(30)], { previousResponseId: 'resp_1' }), { fullItems: all });
    expect(big.request.previousResponseId).toBeUndefined();
    expect(big.inputTokens).toBeLessThanOrEqual(5_000);
    expect(big.request.items.at(-1)).toEqual(user(30));
  });
});

describe('counting without the tokenizer while a request surely fits', () => {
  // Prose, other scripts, emoji, dense data (more tokens per byte than prose) and a special token's text.
  const SAMPLES = [
    words(400, 'refund'),
    'Die Bestellung konnte nicht abgeschlossen werden, weil die Zahlung abgelehnt wurde.'.repeat(20),
    '注文を完了できませんでした。支払いが拒否されました。'.repeat(30),
    '😀🎉👍'.repeat(80),
    'a1b2c3d4e5f6'.repeat(100),
    Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)).toString('base64'),
    'a <|endoftext|> b <|im_start|>',
  ];

  it('bounds every exact count from above, and estimates prose at most half above it', () => {
    for (const text of SAMPLES) {
      const items: ThreadItem[] = [user(1), { type: 'assistant', text }];
      const exact = counter.fixed('Be helpful.', []) + counter.items(items);
      const quick = counter.quick('Be helpful.', [], items);
      expect(quick.bound).toBeGreaterThanOrEqual(exact);
    }
    const paragraph =
      'When a customer asks for a refund after the thirty-day window, check whether the order shipped late; if it did, the window starts on the delivery date instead. ';
    const prose: ThreadItem[] = [{ type: 'assistant', text: paragraph.repeat(40) }];
    const exact = counter.fixed('Be helpful.', []) + counter.items(prose);
    const { estimate } = counter.quick('Be helpful.', [], prose);
    expect(estimate).toBeGreaterThanOrEqual(exact);
    expect(estimate).toBeLessThan(exact * 1.5 + 20);
  });

  it('sends a request within the budget by its bytes unchanged, without counting its items', async () => {
    let tokenized = 0;
    const watched = new TokenCounter({ extraTokens: () => 0 });
    const item = watched.item.bind(watched);
    watched.item = (i) => (tokenized++, item(i));
    const fitter = new ContextFitter(watched, 20_000);
    const items = [...thread(4), user(4)];
    const fit = await fitter.fit(request(items));
    expect(fit.request.items).toEqual(items);
    expect(fitter.estimate(request(items))).toBe(fit.inputTokens);
    expect(tokenized).toBe(0);
    // Past the budget by its bytes, the same thread is counted and fitted exactly.
    const tight = await new ContextFitter(watched, 2_000).fit(request(items));
    expect(tokenized).toBeGreaterThan(0);
    expect(counter.fixed(tight.request.instructions, []) + counter.items(tight.request.items)).toBeLessThanOrEqual(
      2_000,
    );
  });
});
