import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { effortFor, type ReasoningEffort } from '../../../config/models.js';
import type { ThreadMessage } from '../../../platform/slack/thread-reader.js';
import { type RedactOptions, redactText } from '../../privacy/pii/redact.js';
import { TRIAGE_INSTRUCTIONS, triageTextFormat } from '../../triage/schema.js';
import { costOf, formatUsd, type PriceTable, priceFor } from '../../usage/prices.js';
import type { SlackThread } from './collect.js';
import { BATCH_ENDPOINT, type BatchRequestLine, customIdFor } from './lines.js';

/** Enough for the schema's fields with a long summary; a triage that needs more is cut and reported as such. */
const TRIAGE_MAX_OUTPUT_TOKENS = 1024;
/** What a triage answer typically costs in output tokens: the schema's eight short fields. */
const TYPICAL_OUTPUT_TOKENS = 300;

export interface TranscriptDeps {
  /** Display name for a user id (falls back to the id). */
  userName(id: string): Promise<string | undefined>;
  /** Slack markup → readable text. */
  resolveText(text: string): Promise<string>;
}

/** A Slack ts as a readable UTC time, e.g. "2026-05-12 09:41 UTC". */
export const when = (ts: string): string =>
  new Date(Number(ts.split('.')[0]) * 1000)
    .toISOString()
    .replace(/:\d\d\.\d{3}Z$/, ' UTC')
    .replace('T', ' ');

async function line(m: ThreadMessage, deps: TranscriptDeps): Promise<string> {
  const author = m.user ? ((await deps.userName(m.user)) ?? m.user) : m.bot_id ? `app ${m.bot_id}` : 'unknown';
  const text = m.text ? await deps.resolveText(m.text) : '';
  const files = (m.files ?? []).map((f) => f.name ?? f.title ?? 'file');
  return `[${when(m.ts)}] ${author}: ${text}${files.length ? `\n  (attached: ${files.join(', ')})` : ''}`;
}

/** The thread as the model reads it: who said what and when, with attachments named. */
export async function transcript(
  thread: SlackThread,
  channelName: string | undefined,
  deps: TranscriptDeps,
): Promise<string> {
  const lines = await Promise.all(thread.messages.map((m) => line(m, deps)));
  return [`Thread in #${channelName ?? thread.channel}, started ${when(thread.ts)}:`, ...lines].join('\n');
}

export interface BuildOptions {
  model: string;
  redact?: RedactOptions;
  /** `openai.reasoning_effort` (Batch is not waited on, so it may think harder); sent to reasoning models only. */
  reasoningEffort?: ReasoningEffort;
}

/** A Batch line asking for a triage of one thread with Structured Outputs. */
export function triageRequest(thread: SlackThread, text: string, opts: BuildOptions): BatchRequestLine {
  const input = opts.redact ? redactText(text, opts.redact) : text;
  const effort = opts.reasoningEffort && effortFor(opts.model, opts.reasoningEffort);
  return {
    custom_id: customIdFor(thread.channel, thread.ts),
    method: 'POST',
    url: BATCH_ENDPOINT,
    body: {
      model: opts.model,
      instructions: TRIAGE_INSTRUCTIONS,
      input: [{ role: 'user', content: [{ type: 'input_text', text: input }] }],
      text: { format: triageTextFormat },
      max_output_tokens: TRIAGE_MAX_OUTPUT_TOKENS,
      ...(effort ? { reasoning: { effort } } : {}),
      store: false,
      metadata: { app: 'threadwise', job: 'batch_triage', channel: thread.channel, thread_ts: thread.ts },
    },
  };
}

export interface CostEstimate {
  requests: number;
  /** The price table entry used: the model itself, or the fallback when pricing.models has no entry for it. */
  pricedAs: string;
  known: boolean;
  batchMultiplier: number;
  inputTokens: number;
  typicalOutputTokens: number;
  maxOutputTokens: number;
  batchUsd: { typical: number; max: number };
  standardUsd: { typical: number; max: number };
}

/** Framing the API adds per message and per request (OpenAI's counting guide), on top of the text. */
const OVERHEAD_TOKENS = 7;
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/** Counts input tokens with o200k_base (gpt-4o's encoding): instructions, transcript and the schema each time. */
export function estimateCost(lines: readonly BatchRequestLine[], model: string, prices: PriceTable): CostEstimate {
  const schemaTokens = countTokens(JSON.stringify(triageTextFormat.schema), AS_TEXT);
  let inputTokens = 0;
  for (const l of lines) {
    const body = l.body as { instructions: string; input: Array<{ content: Array<{ text: string }> }> };
    const text = body.input.flatMap((i) => i.content.map((c) => c.text)).join('\n');
    inputTokens +=
      countTokens(body.instructions, AS_TEXT) + countTokens(text, AS_TEXT) + schemaTokens + OVERHEAD_TOKENS;
  }
  const typicalOutputTokens = lines.length * TYPICAL_OUTPUT_TOKENS;
  const maxOutputTokens = lines.length * TRIAGE_MAX_OUTPUT_TOKENS;
  const { pricedAs, known } = priceFor(prices, model);
  const usd = (batch: boolean) => {
    const at = (outputTokens: number) =>
      costOf(prices, model, { inputTokens, cachedTokens: 0, outputTokens }, { batch }).usd;
    return { typical: at(typicalOutputTokens), max: at(maxOutputTokens) };
  };
  return {
    requests: lines.length,
    pricedAs,
    known,
    batchMultiplier: prices.batchMultiplier,
    inputTokens,
    typicalOutputTokens,
    maxOutputTokens,
    batchUsd: usd(true),
    standardUsd: usd(false),
  };
}

export function describeEstimate(e: CostEstimate, model: string): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const head = `${n(e.requests)} request${e.requests === 1 ? '' : 's'} to ${model}: about ${n(e.inputTokens)} input tokens, ~${n(e.typicalOutputTokens)} output tokens (at most ${n(e.maxOutputTokens)}).`;
  const off = Math.round((1 - e.batchMultiplier) * 100);
  const pricedAs = e.known ? '' : ` (pricing.models has no entry for ${model}: priced as ${e.pricedAs})`;
  return `${head}\nEstimated cost with the Batch API (${off}% off)${pricedAs}: ${formatUsd(e.batchUsd.typical)} (at most ${formatUsd(e.batchUsd.max)}); the same calls made one by one would cost ${formatUsd(e.standardUsd.typical)}.`;
}
