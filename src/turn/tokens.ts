import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { lazyRequire } from '../lib/lazy-require.js';
import type { ThreadItem } from './thread.js';

/**
 * The o200k_base tokenizer is about 72 MB of memory and over a second of start-up, and most threads never need an
 * exact count (see TokenCounter.quick), so it is loaded the first time one does: when a thread nears its budget.
 */
const o200k = lazyRequire<typeof import('gpt-tokenizer/encoding/o200k_base')>(
  'gpt-tokenizer/encoding/o200k_base',
  import.meta.url,
);

/** User text may contain strings such as "<|endoftext|>": they are plain text to us, never control tokens. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };
/** Framing the API adds around every input item (role and separators), as in OpenAI's chat counting guide. */
const ITEM_OVERHEAD_TOKENS = 4;
/** Framing around the whole request (priming of the answer). */
const REQUEST_OVERHEAD_TOKENS = 3;
/**
 * Prose and code in o200k_base run at 4–5 UTF-8 bytes a token (4.0 for this repository's docs and sources, 4.8 for
 * plain English, 5–6.5 for German, Japanese or Russian); a quarter more tokens than 4 bytes each is the estimate's
 * margin. Dense data (hex, base64) has fewer bytes a token, which is why the estimate only feeds admissions that
 * are settled against the reported usage, and the context budget relies on the bound instead.
 */
const ESTIMATED_TOKENS_PER_BYTE = 1.25 / 4;

/** Input tokens of a request without the tokenizer. */
export interface QuickCount {
  /**
   * Never fewer than the exact count: every o200k_base token stands for at least one UTF-8 byte of text (and special
   * tokens are never produced from user text), so a text's byte length bounds its token count.
   */
  bound: number;
  /** About the exact count for prose and code, usually a little above it (ESTIMATED_TOKENS_PER_BYTE). */
  estimate: number;
}

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

export interface TokenCounterOptions {
  /**
   * Tokens an item adds beyond its text, e.g. images by the gpt-4o tile formula; 0 when absent. It may read an
   * attachment's size, detail and whether its bytes are present, not the bytes themselves (they are not in the key).
   */
  extraTokens?: (item: ThreadItem) => number;
  /** Items remembered (by a hash of `cacheIdentity`) so that each stored item is tokenized once per process. */
  cacheSize?: number;
}

/** The text of an item as the model reads it: mirrors toResponsesInput, so counts match what is sent. */
export function itemText(item: ThreadItem): string {
  switch (item.type) {
    case 'user':
      return `${item.userName}: ${item.text}`;
    case 'assistant':
      return item.text;
    case 'function_call':
      return `${item.name}${item.arguments}`;
    case 'function_call_output':
      return item.output;
    case 'hosted':
      return JSON.stringify(item.item);
  }
}

/**
 * What an item's count depends on, without file bytes: an image costs tokens by its size and detail and a file
 * by whether its bytes are still there, never by their content. Serialising the bytes (three 1.5 MB screenshots
 * are 40 MB of JSON) blocked the event loop for seconds on every turn of such a thread.
 */
function cacheIdentity(item: ThreadItem): string {
  if (item.type !== 'user' || !item.attachments?.length) return JSON.stringify(item);
  const attachments = item.attachments.map((a) => {
    if (a.kind === 'text') return a;
    const { data, ...rest } = a;
    return { ...rest, dataBytes: data?.byteLength };
  });
  return JSON.stringify({ ...item, attachments });
}

/**
 * o200k_base token counts (gpt-4o, gpt-4.1, o-series): exact ones, with a per-item cache, which load the tokenizer on
 * first use, and quick ones from byte lengths (`quick`), which are enough until a request may not fit its budget.
 */
export class TokenCounter {
  private readonly cache: LRUCache<string, number>;

  constructor(private readonly options: TokenCounterOptions = {}) {
    this.cache = new LRUCache({ max: options.cacheSize ?? 20_000 });
  }

  text(text: string): number {
    return text ? o200k().encode(text, AS_TEXT).length : 0;
  }

  /** A bound and an estimate of what `fixed(instructions, tools) + items(items)` counts, without tokenizing. */
  quick(instructions: string, tools: unknown, items: readonly ThreadItem[]): QuickCount {
    const toolBytes = Array.isArray(tools) && tools.length ? utf8Bytes(JSON.stringify(tools)) : 0;
    let bytes = utf8Bytes(instructions) + toolBytes;
    let fixed = REQUEST_OVERHEAD_TOKENS;
    for (const item of items) {
      bytes += utf8Bytes(itemText(item));
      fixed += ITEM_OVERHEAD_TOKENS + (this.options.extraTokens?.(item) ?? 0);
    }
    return { bound: fixed + bytes, estimate: fixed + Math.ceil(bytes * ESTIMATED_TOKENS_PER_BYTE) };
  }

  /** Tokens of one stored item, counted once and then served from the cache (least recently used evicted). */
  item(item: ThreadItem): number {
    const key = createHash('sha1').update(cacheIdentity(item)).digest('base64');
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const tokens = ITEM_OVERHEAD_TOKENS + this.text(itemText(item)) + (this.options.extraTokens?.(item) ?? 0);
    this.cache.set(key, tokens);
    return tokens;
  }

  items(items: readonly ThreadItem[]): number {
    let sum = 0;
    for (const item of items) sum += this.item(item);
    return sum;
  }

  /** Instructions and tool schemas travel with every call and count against the window like the history. */
  fixed(instructions: string, tools: unknown): number {
    const toolTokens = Array.isArray(tools) && tools.length ? this.text(JSON.stringify(tools)) : 0;
    return REQUEST_OVERHEAD_TOKENS + this.text(instructions) + toolTokens;
  }

  /** Keeps the head and the tail of a text within `maxTokens`, marking the cut, so both ends stay readable. */
  truncate(text: string, maxTokens: number): string {
    // No text has more tokens than bytes: a short one is kept without loading the tokenizer.
    if (utf8Bytes(text) <= maxTokens) return text;
    const { encode, decode } = o200k();
    const tokens = encode(text, AS_TEXT);
    if (tokens.length <= maxTokens) return text;
    const marker = `\n[… ${tokens.length - maxTokens} tokens left out to fit the context window …]\n`;
    const room = Math.max(0, maxTokens - this.text(marker));
    const head = Math.ceil(room * 0.7);
    return decode(tokens.slice(0, head)) + marker + decode(tokens.slice(tokens.length - (room - head)));
  }
}
