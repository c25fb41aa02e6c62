import { inputBudget, planContext, shrinkTurn } from './budget.js';
import type { ModelRequest } from './ports.js';
import { SUMMARY_MAX_TOKENS, type Summarizer, type SummaryCall } from './summarize.js';
import type { ThreadItem } from './thread.js';
import type { TokenCounter } from './tokens.js';

export interface FitResult {
  request: ModelRequest;
  /** Estimated input tokens of the fitted request. */
  inputTokens: number;
  budget: number;
  droppedItems: number;
  summarized: boolean;
}

export interface FitOptions {
  /** The whole conversation, for a request chained with previous_response_id (OpenAI bills the whole chain). */
  fullItems?: ThreadItem[];
  /** A lower ceiling than the normal budget, after OpenAI said the input was still too long. */
  ceiling?: number;
  /** How a summary is asked for: through the turn's model port (so its quota admits it) and reported like any call. */
  summaryCall?: SummaryCall;
}

const toolsOf = (request: ModelRequest): unknown => (request as { tools?: unknown }).tools;

/**
 * Makes a request fit `context.max_input_tokens`: instructions and tools always, then the newest turns,
 * oldest dropped first (or summarized, when a summarize model is configured); the newest turn is kept whole
 * unless it alone is too long, then its longest texts are shortened. A request whose byte length (a bound on its
 * tokens) is within the budget fits as it is; only a larger one is tokenized, which loads the tokenizer once.
 */
export class ContextFitter {
  constructor(
    private readonly counter: TokenCounter,
    private readonly maxInputTokens: number,
    private readonly summarizer?: Summarizer,
  ) {}

  budget(request: ModelRequest, ceiling = Infinity): number {
    return Math.max(0, Math.min(ceiling, inputBudget(this.maxInputTokens, request.maxOutputTokens)));
  }

  /**
   * Input tokens the request would have, capped by the budget it will be fitted to: estimated from its bytes when
   * it surely fits (the quotas settle against the reported usage), counted when it may not.
   */
  estimate(request: ModelRequest, fullItems?: ThreadItem[]): number {
    const items = request.previousResponseId && fullItems ? fullItems : request.items;
    const budget = this.budget(request);
    const quick = this.counter.quick(fixedText(request), toolsOf(request), items);
    if (quick.bound <= budget) return quick.estimate;
    return Math.min(this.count(request, fullItems), budget);
  }

  /** The exact input tokens of a request (tokenizes): for what must not rest on an estimate. */
  count(request: ModelRequest, fullItems?: ThreadItem[]): number {
    const items = request.previousResponseId && fullItems ? fullItems : request.items;
    return this.counter.fixed(fixedText(request), toolsOf(request)) + this.counter.items(items);
  }

  async fit(original: ModelRequest, options: FitOptions = {}): Promise<FitResult> {
    const budget = this.budget(original, options.ceiling);
    let request = original;
    // Within the budget by its bytes: it fits, whatever the exact count (the common case; no tokenizer needed).
    const counted = request.previousResponseId ? (options.fullItems ?? []) : request.items;
    const quick = this.counter.quick(fixedText(request), toolsOf(request), counted);
    if (quick.bound <= budget)
      return { request, inputTokens: quick.estimate, budget, droppedItems: 0, summarized: false };
    const fixed = this.counter.fixed(fixedText(request), toolsOf(request));
    if (request.previousResponseId) {
      const chained = options.fullItems ? this.counter.items(options.fullItems) : 0;
      if (fixed + chained <= budget)
        return { request, inputTokens: fixed + chained, budget, droppedItems: 0, summarized: false };
      // The chain has grown past the budget: send a trimmed history instead of the whole chain.
      request = { ...request, previousResponseId: undefined, items: options.fullItems ?? request.items };
      delete request.previousResponseId;
    }
    let plan = planContext(request.items, budget - fixed, this.counter);
    if (!plan.dropped.length && plan.tokens <= budget - fixed) {
      return { request, inputTokens: fixed + plan.tokens, budget, droppedItems: 0, summarized: false };
    }
    const omitted = (n: number) =>
      n
        ? `\n\n(The ${n} oldest messages of this conversation are not included here; they no longer fit the context window.)`
        : '';
    let note = omitted(plan.dropped.length);
    let summarized = false;
    if (this.summarizer && options.summaryCall && plan.dropped.length) {
      plan = planContext(request.items, budget - fixed - SUMMARY_MAX_TOKENS - 40, this.counter);
      note = omitted(plan.dropped.length);
      const summary = await this.summarizer.summarize(plan.dropped, request, options.summaryCall);
      if (summary) {
        note = `\n\nSummary of the earlier part of this conversation (older messages are not included):\n${summary}`;
        summarized = true;
      }
    }
    const instructions = request.instructions + note;
    const room = budget - this.counter.fixed(instructions, toolsOf(request));
    const items = plan.tokens > room ? shrinkTurn(plan.kept, room, this.counter) : plan.kept;
    return {
      request: { ...request, instructions, items },
      inputTokens: this.counter.fixed(instructions, toolsOf(request)) + this.counter.items(items),
      budget,
      droppedItems: plan.dropped.length,
      summarized,
    };
  }
}

/** What a request always carries besides its items: the instructions and this turn's own (the language hint). */
const fixedText = (request: ModelRequest) => request.instructions + (request.turnInstructions ?? '');
