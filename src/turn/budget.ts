import type { ThreadItem } from './thread.js';
import type { TokenCounter } from './tokens.js';

/** gpt-4o's context window; input plus the output cap must stay inside it. */
const CONTEXT_WINDOW_TOKENS = 128_000;
/** Once history must shrink, it shrinks to this share of the budget, so the kept prefix (and OpenAI's prompt
 * cache for it) stays unchanged for the next several turns instead of moving by one turn every time. */
const LOW_WATER = 0.75;

/** The input budget for one call: the configured maximum, never more than the window minus the output cap. */
export function inputBudget(maxInputTokens: number, maxOutputTokens: number): number {
  return Math.max(1_000, Math.min(maxInputTokens, CONTEXT_WINDOW_TOKENS - maxOutputTokens));
}

/**
 * Splits history into turns: each starts at a person's message and holds everything up to the next one
 * (answers, function calls and their outputs). Dropping whole turns never separates a call from its output.
 */
export function groupTurns(items: readonly ThreadItem[]): ThreadItem[][] {
  const turns: ThreadItem[][] = [];
  for (const item of items) {
    const last = turns.at(-1);
    if (item.type === 'user' || !last) turns.push([item]);
    else last.push(item);
  }
  return turns;
}

export interface ContextPlan {
  kept: ThreadItem[];
  dropped: ThreadItem[];
  /** Tokens of the kept items. */
  tokens: number;
}

/**
 * Chooses which history to send within `budget` tokens: always the newest turn, then as many of the turns
 * before it as fit, oldest dropped first. The cut is replayed over the thread's history from the start, so it
 * is the same on every replica and only moves when the thread outgrows it again (see LOW_WATER).
 */
export function planContext(items: readonly ThreadItem[], budget: number, counter: TokenCounter): ContextPlan {
  const turns = groupTurns(items);
  const sizes = turns.map((t) => counter.items(t));
  let cut = 0;
  let total = 0;
  for (let t = 0; t < turns.length; t++) {
    total += sizes[t]!;
    if (total <= budget) continue;
    const target = Math.floor(budget * LOW_WATER);
    while (cut < t && total > target) total -= sizes[cut++]!;
  }
  return { kept: turns.slice(cut).flat(), dropped: turns.slice(0, cut).flat(), tokens: total };
}

/**
 * Last resort when the newest turn alone is over budget: shortens its longest texts (head and tail kept)
 * until it fits. Items are never removed, so a call keeps its output and the question stays.
 */
export function shrinkTurn(items: readonly ThreadItem[], budget: number, counter: TokenCounter): ThreadItem[] {
  const out = items.map((i) => ({ ...i }));
  for (let guard = 0; guard < 2 * out.length && counter.items(out) > budget; guard++) {
    const excess = counter.items(out) - budget;
    let largest = 0;
    out.forEach((item, i) => {
      if (counter.item(item) > counter.item(out[largest]!)) largest = i;
    });
    const item = out[largest]!;
    const keep = Math.max(64, counter.item(item) - excess - 32);
    if (item.type === 'function_call_output') out[largest] = { ...item, output: counter.truncate(item.output, keep) };
    else if (item.type === 'user' || item.type === 'assistant')
      out[largest] = { ...item, text: counter.truncate(item.text, keep) };
    else break;
  }
  return out;
}
