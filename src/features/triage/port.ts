import type { ModelUsage } from '../../turn/ports.js';
import type { Triage } from './schema.js';

/** A screenshot for the triage, already downloaded and downscaled. */
export interface TriageImage {
  mime: string;
  data: Uint8Array;
  detail: 'low' | 'high' | 'auto';
}

export interface TriageInput {
  model: string;
  /** The report with Slack markup resolved. */
  text: string;
  images: TriageImage[];
  /** Hashed asker, for OpenAI's abuse monitoring. */
  safetyIdentifier: string;
}

export type TriageOutcome =
  | {
      kind: 'ok';
      triage: Triage;
      usage?: ModelUsage;
      model: string;
    }
  | { kind: 'refused'; refusal: string }
  | { kind: 'incomplete'; reason: string }
  | { kind: 'invalid'; error: string }
  | { kind: 'failed'; error: string };

/** One Structured Outputs call that classifies a report; never throws. */
export type TriagePort = (input: TriageInput, signal?: AbortSignal) => Promise<TriageOutcome>;

/** What the person reads when there is no card. */
export function triageFailureText(o: Exclude<TriageOutcome, { kind: 'ok' }>): string {
  switch (o.kind) {
    case 'refused':
      return `⚠️ I can't triage this message: ${o.refusal.trim() || 'the model declined.'}`;
    case 'incomplete':
      return o.reason === 'content_filter'
        ? '⚠️ The triage was stopped by the content filter, so there is no card for this message.'
        : '⚠️ The triage was cut off before it was complete, so there is no card. Please try again; a shorter message helps.';
    case 'invalid':
      return '⚠️ The triage came back in a shape I could not use, so there is no card. Please try again.';
    case 'failed':
      return `⚠️ I could not triage this message right now (${o.error}). Please try again in a moment.`;
  }
}
