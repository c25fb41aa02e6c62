import { z } from 'zod';
import type { ModelUsage } from '../../../turn/ports.js';
import { parseTriage, type Triage } from '../../triage/schema.js';
import { parseCustomId } from './lines.js';

/** A line of a Batch output or error file (BatchRequestOutput). */
export const outputLineSchema = z.looseObject({
  id: z.string(),
  custom_id: z.string(),
  response: z.looseObject({ status_code: z.number(), request_id: z.string().optional(), body: z.unknown() }).nullable(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullable(),
});
export type OutputLine = z.infer<typeof outputLineSchema>;

/** The parts of a Response body we read; the API adds many more. */
const responseBodySchema = z.looseObject({
  status: z.string().optional(),
  model: z.string().optional(),
  incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish(),
  output: z
    .array(
      z.looseObject({
        type: z.string(),
        content: z
          .array(z.looseObject({ type: z.string(), text: z.string().optional(), refusal: z.string().optional() }))
          .optional(),
      }),
    )
    .default([]),
  usage: z
    .looseObject({
      input_tokens: z.number(),
      input_tokens_details: z
        .looseObject({ cached_tokens: z.number().optional(), cache_write_tokens: z.number().optional() })
        .nullish(),
      output_tokens: z.number(),
      output_tokens_details: z.looseObject({ reasoning_tokens: z.number().optional() }).nullish(),
    })
    .nullish(),
});

const errorBodySchema = z.looseObject({
  error: z.looseObject({ message: z.string().nullish(), code: z.string().nullish(), type: z.string().nullish() }),
});

type TriageOutcome =
  | { status: 'triaged'; triage: Triage }
  | { status: 'refused'; detail: string }
  | { status: 'incomplete'; detail: string }
  | { status: 'invalid'; detail: string }
  | { status: 'failed'; detail: string }
  | { status: 'missing'; detail: string };

export interface TriageResult {
  customId: string;
  channel: string;
  ts: string;
  outcome: TriageOutcome;
}

export interface ParsedResults {
  results: TriageResult[];
  /** Summed over every answered line: priced with the one price table (cached, cache-write and reasoning included). */
  usage: Required<ModelUsage>;
  /** Lines that could not be read at all (reported, never silently dropped). */
  unreadable: string[];
}

export function parseJsonl(text: string): { values: unknown[]; unreadable: string[] } {
  const values: unknown[] = [];
  const unreadable: string[] = [];
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    try {
      values.push(JSON.parse(raw));
    } catch {
      unreadable.push(raw.slice(0, 200));
    }
  }
  return { values, unreadable };
}

/** Why a Batch request gave no usable text. */
export type LineFailure = Exclude<TriageOutcome, { status: 'triaged' }>;

/**
 * The output text one answered Batch request wrote, or why there is none (an error, a refusal, a cut-off answer);
 * its usage is added to `usage`. Shared by every Batch job (triage, the gaps digest).
 */
export function lineText(
  line: OutputLine,
  usage: ParsedResults['usage'],
): { status: 'text'; text: string } | LineFailure {
  if (line.error)
    return { status: 'failed', detail: `${line.error.code ?? 'error'}: ${line.error.message ?? 'no message'}` };
  if (!line.response) return { status: 'failed', detail: 'no response' };
  const { status_code: code, body } = line.response;
  if (code < 200 || code >= 300) {
    const e = errorBodySchema.safeParse(body);
    const what = e.success
      ? `${e.data.error.code ?? e.data.error.type ?? 'error'}: ${e.data.error.message ?? ''}`
      : 'no details';
    return { status: 'failed', detail: `HTTP ${code} ${what}`.trim() };
  }
  const parsed = responseBodySchema.safeParse(body);
  if (!parsed.success) return { status: 'invalid', detail: 'the response body is not a Response object' };
  const response = parsed.data;
  if (response.usage) {
    const u = response.usage;
    usage.inputTokens += u.input_tokens;
    usage.cachedTokens += u.input_tokens_details?.cached_tokens ?? 0;
    usage.cacheWriteTokens += u.input_tokens_details?.cache_write_tokens ?? 0;
    usage.outputTokens += u.output_tokens;
    usage.reasoningTokens += u.output_tokens_details?.reasoning_tokens ?? 0;
  }
  const parts = response.output.filter((o) => o.type === 'message').flatMap((o) => o.content ?? []);
  const refusal = parts.find((p) => p.type === 'refusal');
  if (refusal) return { status: 'refused', detail: refusal.refusal ?? 'the model refused' };
  // Output text is absent from Batch bodies (output_text is an SDK convenience), so it is read from the items.
  const text = parts
    .filter((p) => p.type === 'output_text')
    .map((p) => p.text ?? '')
    .join('');
  if (response.status === 'incomplete')
    return {
      status: 'incomplete',
      detail: `stopped early (${response.incomplete_details?.reason ?? 'unknown reason'})`,
    };
  if (!text) return { status: 'invalid', detail: 'the response has no output text' };
  return { status: 'text', text };
}

/** What one answered request amounts to: a validated triage, or why there is none. */
function outcomeOf(line: OutputLine, usage: ParsedResults['usage']): TriageOutcome {
  const read = lineText(line, usage);
  if (read.status !== 'text') return read;
  const triage = parseTriage(read.text);
  return triage.ok
    ? { status: 'triaged', triage: triage.value }
    : { status: 'invalid', detail: `the output does not match the triage schema (${triage.error})` };
}

/**
 * Matches output and error lines to the requested custom_ids (output order is not guaranteed). Every request gets
 * exactly one result, in request order; a request with no line at all (an expired or cancelled batch) is "missing".
 */
export function matchResults(requestedIds: readonly string[], outputText: string, errorText: string): ParsedResults {
  const usage = { inputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 };
  const byId = new Map<string, TriageOutcome>();
  const unreadable: string[] = [];
  for (const text of [outputText, errorText]) {
    const { values, unreadable: bad } = parseJsonl(text);
    unreadable.push(...bad);
    for (const value of values) {
      const line = outputLineSchema.safeParse(value);
      if (!line.success) {
        unreadable.push(JSON.stringify(value).slice(0, 200));
        continue;
      }
      // A success wins over an error line for the same id (never expected, but never lose a good answer).
      const prior = byId.get(line.data.custom_id);
      if (prior?.status === 'triaged') continue;
      byId.set(line.data.custom_id, outcomeOf(line.data, usage));
    }
  }
  const results = requestedIds.map((customId): TriageResult => {
    const where = parseCustomId(customId) ?? { channel: '', ts: '' };
    return {
      customId,
      ...where,
      outcome: byId.get(customId) ?? {
        status: 'missing',
        detail: 'no result: the batch ended before this request ran',
      },
    };
  });
  return { results, usage, unreadable };
}
