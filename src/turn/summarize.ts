import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { type ModelCall, ModelError, type ModelPort, type ModelRequest } from './ports.js';
import { QuotaRefused } from './quota-gate.js';
import type { ThreadItem } from './thread.js';
import type { TokenCounter } from './tokens.js';

export const SUMMARY_MAX_TOKENS = 600;
/** How much dropped history the summarizer reads at most (its newest part). */
const SUMMARY_INPUT_TOKENS = 24_000;
const PER_ITEM_TOKENS = 1_500;

const INSTRUCTIONS = [
  'You compress the older part of a Slack conversation between people and an assistant called Threadwise.',
  'Write at most 200 words of plain notes: the questions asked, facts and decisions established, open issues, names.',
  'Do not answer anything yourself and do not address the reader.',
].join('\n');

export type CallObserver = (
  request: ModelRequest,
  call: ModelCall | undefined,
  error: ModelError | undefined,
  latencyMs: number,
) => void;

/** The port a summary call goes through (the turn's own) and where it is reported. */
export interface SummaryCall {
  model: ModelPort;
  observe: CallObserver;
}

function line(item: ThreadItem, counter: TokenCounter): string {
  switch (item.type) {
    case 'user':
      return `${item.userName}: ${counter.truncate(item.text, PER_ITEM_TOKENS)}`;
    case 'assistant':
      return `Threadwise: ${counter.truncate(item.text, PER_ITEM_TOKENS)}`;
    case 'function_call':
      return `[Threadwise called ${item.name} ${counter.truncate(item.arguments, 200)}]`;
    case 'function_call_output':
      return `[result: ${counter.truncate(item.output, 300)}]`;
    case 'hosted':
      return `[hosted tool ${item.item.type}: ${counter.truncate(JSON.stringify(item.item), 300)}]`;
  }
}

/** Summarizes dropped turns with a cheaper model; one summary per distinct dropped span, remembered in-process. */
export class Summarizer {
  /** Summaries of dropped history by transcript; the least recently used go first. */
  private readonly cache = new LRUCache<string, string>({ max: 500 });

  constructor(
    private readonly modelName: string,
    private readonly counter: TokenCounter,
  ) {}

  async summarize(
    dropped: readonly ThreadItem[],
    parent: ModelRequest,
    { model, observe }: SummaryCall,
  ): Promise<string | undefined> {
    const lines: string[] = [];
    let tokens = 0;
    for (let i = dropped.length - 1; i >= 0 && tokens < SUMMARY_INPUT_TOKENS; i--) {
      const text = line(dropped[i]!, this.counter);
      tokens += this.counter.text(text);
      lines.unshift(text);
    }
    const transcript = lines.join('\n');
    const key = createHash('sha1').update(`${parent.promptCacheKey}\n${transcript}`).digest('base64');
    const hit = this.cache.get(key);
    if (hit) return hit;

    const request: ModelRequest = {
      model: this.modelName,
      instructions: INSTRUCTIONS,
      items: [{ type: 'user', ts: '0', userId: 'transcript', userName: 'Transcript', text: transcript }],
      maxOutputTokens: SUMMARY_MAX_TOKENS,
      safetyIdentifier: parent.safetyIdentifier,
      promptCacheKey: `${parent.promptCacheKey}-summary`,
      metadata: { ...parent.metadata, purpose: 'summary' },
      store: false,
    };
    const started = Date.now();
    let text = '';
    try {
      for await (const event of model.stream(request)) {
        if (event.type === 'text') text += event.delta;
        else if (event.type === 'done') {
          observe(request, event.call, undefined, Date.now() - started);
          break;
        }
      }
    } catch (err) {
      // A quota refusal ends the turn; any other failure only costs the summary.
      if (err instanceof QuotaRefused) throw err;
      observe(
        request,
        undefined,
        err instanceof ModelError ? err : new ModelError('connection', String(err)),
        Date.now() - started,
      );
      return undefined;
    }
    const summary = text.trim();
    if (!summary) return undefined;
    this.cache.set(key, summary);
    return summary;
  }
}
