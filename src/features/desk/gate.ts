import type OpenAI from 'openai';
import { zodTextFormat } from 'openai/helpers/zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { deadline } from '../../lib/deadline.js';
import { fromSdkError } from '../../platform/openai/errors.js';
import { toUsage } from '../../platform/openai/usage.js';
import type { ModelUsage, Source } from '../../turn/ports.js';
import { type RedactOptions, redactText } from '../privacy/pii/redact.js';
import { type TokenLogprob, yesProbability } from './confidence.js';

/** A passage the bot could cite: a policy section, a ticket, an earlier Slack thread. */
export interface Candidate extends Source {
  kind: 'policy' | 'ticket' | 'thread';
  text: string;
}

export interface GateInput {
  model: string;
  question: string;
  candidates: readonly Candidate[];
  /** Hashed asker, for OpenAI's abuse monitoring. */
  safetyIdentifier: string;
}

/** `confidence` is undefined when the model's answer carried no log-probabilities (or the call failed). */
export interface GateOutcome {
  confidence: number | undefined;
  /** Why there is no confidence, for the log. */
  problem?: string;
  model?: string;
  usage?: ModelUsage;
}

/** Judges whether a question can be answered from the candidates; never throws. */
export type DeskGate = (input: GateInput, signal?: AbortSignal) => Promise<GateOutcome>;

/** The judgement: one boolean, so its probability is the probability of one token. */
export const judgementSchema = z.object({
  answerable: z.boolean().describe('true only when the sources state the answer to the question.'),
});
const judgementFormat = zodTextFormat(judgementSchema, 'desk_judgement');

export const GATE_INSTRUCTIONS = [
  'You decide whether a question posted in a company help channel can be answered from the numbered sources alone.',
  'answerable is true only when the sources state the answer plainly enough to quote; if they are silent, vague,',
  'contradictory or about something else, answerable is false. Do not use outside knowledge.',
].join('\n');

/** Alternatives asked for at the deciding token: enough to see both true and false. */
const TOP_LOGPROBS = 5;

/** The question and the sources as the judge reads them. */
export function gatePrompt(question: string, candidates: readonly Candidate[]): string {
  const listed = candidates.length
    ? candidates.map((c, i) => `[${i + 1}] ${c.kind}: ${c.title}\n${c.text}`).join('\n\n')
    : '(no sources were found)';
  return `Question:\n${question}\n\nSources:\n${listed}`;
}

export interface GateOptions {
  timeoutMs: number;
  maxRetries: number;
  redact?: RedactOptions;
}

/**
 * The gate through the Responses API: Structured Outputs `{answerable: boolean}` with the output's token
 * log-probabilities (`include: ["message.output_text.logprobs"]`, `top_logprobs`); the confidence is the probability
 * of `true` at the deciding token. Not stored at OpenAI.
 */
export function openAIGate(client: OpenAI, o: GateOptions, log: Logger): DeskGate {
  return async (input, signal) => {
    const prompt = gatePrompt(input.question, input.candidates);
    let response: OpenAI.Responses.Response;
    try {
      response = await client.responses.create(
        {
          model: input.model,
          instructions: GATE_INSTRUCTIONS,
          input: [
            { role: 'user', content: [{ type: 'input_text', text: o.redact ? redactText(prompt, o.redact) : prompt }] },
          ],
          text: { format: judgementFormat },
          include: ['message.output_text.logprobs'],
          top_logprobs: TOP_LOGPROBS,
          max_output_tokens: 16,
          safety_identifier: input.safetyIdentifier,
          store: false,
        },
        {
          maxRetries: o.maxRetries,
          signal: deadline(o.timeoutMs, signal),
        },
      );
    } catch (err) {
      const e = fromSdkError(err);
      log.warn({ kind: e.kind, status: e.details.status, request_id: e.details.requestId }, 'desk gate call failed');
      return { confidence: undefined, problem: `the judgement call failed (${e.kind})` };
    }
    const part = response.output
      .flatMap((item) => (item.type === 'message' ? item.content : []))
      .find((p) => p.type === 'output_text');
    const usage = toUsage(response.usage);
    const base = { model: response.model, ...(usage ? { usage } : {}) };
    if (part?.type !== 'output_text') return { ...base, confidence: undefined, problem: 'no judgement in the answer' };
    const confidence = yesProbability((part.logprobs ?? []) as TokenLogprob[]);
    return confidence === undefined
      ? { ...base, confidence, problem: 'the answer carried no log-probabilities' }
      : { ...base, confidence };
  };
}
