import type OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { deadline } from '../../../lib/deadline.js';
import { fromSdkError } from '../../../platform/openai/errors.js';
import type { OpenAIRateLimiter } from '../../../platform/openai/rate-limiter.js';
import { toUsage } from '../../../platform/openai/usage.js';
import type { ModelUsage } from '../../../turn/ports.js';
import { type RedactOptions, redactText } from '../../privacy/pii/redact.js';

/** What a saved answer may hold: a question people would type, an answer that fits one Slack input (3,000 max). */
export const QUESTION_MAX = 300;
export const ANSWER_MAX = 3_000;
/** Enough output for an answer at ANSWER_MAX (~4 characters a token) and the JSON around it. */
export const DRAFT_OUTPUT_TOKENS = 1_200;

/** The draft the model writes; the editor changes it before anything is kept. */
export const draftSchema = z.object({
  question: z
    .string()
    .describe('The question this thread answers, as one self-contained question someone could ask later; no names.'),
  answer: z
    .string()
    .describe(
      'The answer the thread reached, self-contained and short, in Markdown; only what the thread states, nothing added. Empty when the thread reached no answer.',
    ),
});
export type Draft = z.infer<typeof draftSchema>;
const draftFormat = zodTextFormat(draftSchema, 'approved_answer_draft');

export const DRAFT_INSTRUCTIONS = [
  'You turn a resolved Slack support thread into an entry of the team’s approved answers.',
  'Write the question the thread asked and the answer it reached, so that someone asking the same thing later can',
  'be answered from this entry alone. Keep only what the thread states; leave out names, greetings and small talk.',
  'A person reviews and edits your draft before it is saved.',
].join('\n');

/** Why the model's text is not a usable draft (catalog `knowledge.save.draft_failed.<problem>`). */
export type DraftProblem = 'empty' | 'not_json' | 'wrong_shape' | 'no_question';
/** Why there is no draft: the call failed, the model refused or was cut off, or its text was unusable. */
export type DraftFailure = 'unavailable' | 'declined' | 'cut_off' | DraftProblem;

export type DraftOutcome =
  | { kind: 'ok'; draft: Draft; model: string; usage?: ModelUsage }
  /** Said in the modal, in the editor's language, so they know to write it themselves. */
  | { kind: 'failed'; reason: DraftFailure; model?: string; usage?: ModelUsage };

export interface DraftInput {
  model: string;
  /** The thread as text (platform/slack/transcript.ts). */
  transcript: string;
  /** Hashed editor, for OpenAI's abuse monitoring. */
  safetyIdentifier: string;
}

/** Writes a draft from a thread; never throws. */
export type Drafter = (input: DraftInput, signal?: AbortSignal) => Promise<DraftOutcome>;

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/**
 * The model's JSON text → a draft within the modal's limits, or why it is unusable. Structured Outputs makes the
 * shape likely, not certain (a cut-off answer, a server that ignores the format), so it is checked again here.
 */
export function parseDraft(text: string | undefined): { draft: Draft } | { problem: DraftProblem } {
  if (!text?.trim()) return { problem: 'empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not_json' };
  }
  const parsed = draftSchema.safeParse(value);
  if (!parsed.success) return { problem: 'wrong_shape' };
  const question = parsed.data.question.replace(/\s+/g, ' ').trim();
  const answer = parsed.data.answer.trim();
  if (!question) return { problem: 'no_question' };
  return { draft: { question: clip(question, QUESTION_MAX), answer: clip(answer, ANSWER_MAX) } };
}

export interface DrafterOptions {
  timeoutMs: number;
  maxRetries: number;
  redact?: RedactOptions;
}

/**
 * The draft through the Responses API with Structured Outputs (`text.format` from the zod schema), not stored at
 * OpenAI; a failed call, a refusal, a cut-off or malformed answer each become a reason the editor is told.
 */
export function openAIDrafter(client: OpenAI, o: DrafterOptions, log: Logger): Drafter {
  return async (input, signal) => {
    const transcript = o.redact ? redactText(input.transcript, o.redact) : input.transcript;
    let response: OpenAI.Responses.Response;
    try {
      response = await client.responses.create(
        {
          model: input.model,
          instructions: DRAFT_INSTRUCTIONS,
          input: [{ role: 'user', content: [{ type: 'input_text', text: `The thread:\n\n${transcript}` }] }],
          text: { format: draftFormat },
          max_output_tokens: DRAFT_OUTPUT_TOKENS,
          safety_identifier: input.safetyIdentifier,
          store: false,
        },
        { maxRetries: o.maxRetries, signal: deadline(o.timeoutMs, signal) },
      );
    } catch (err) {
      const e = fromSdkError(err);
      log.warn({ kind: e.kind, status: e.details.status, request_id: e.details.requestId }, 'answer draft call failed');
      return { kind: 'failed', reason: 'unavailable' };
    }
    const usage = toUsage(response.usage);
    const base = { model: response.model, ...(usage ? { usage } : {}) };
    const parts = response.output.flatMap((item) => (item.type === 'message' ? item.content : []));
    if (parts.some((p) => p.type === 'refusal')) return { ...base, kind: 'failed', reason: 'declined' };
    if (response.status === 'incomplete') return { ...base, kind: 'failed', reason: 'cut_off' };
    const text = parts.flatMap((p) => (p.type === 'output_text' ? [p.text] : [])).join('');
    const parsed = parseDraft(text);
    if ('problem' in parsed) {
      log.warn({ problem: parsed.problem, model: response.model }, 'answer draft unusable');
      return { ...base, kind: 'failed', reason: parsed.problem };
    }
    return { ...base, kind: 'ok', draft: parsed.draft };
  };
}

/** Draft calls wait in the app-level line like every model call: the prompt (~4 characters a token) and the cap. */
export function limitedDrafter(inner: Drafter, limiter: OpenAIRateLimiter): Drafter {
  return (input, signal) =>
    limiter.inLine(Math.ceil(input.transcript.length / 4) + DRAFT_OUTPUT_TOKENS, () => inner(input, signal), signal);
}
