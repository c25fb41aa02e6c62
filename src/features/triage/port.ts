import type { Translator } from '../../i18n/translators.js';
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
export function triageFailureText(t: Translator, o: Exclude<TriageOutcome, { kind: 'ok' }>): string {
  switch (o.kind) {
    case 'refused':
      return t.t('triage.failed.refused', { reason: o.refusal.trim() || t.t('triage.failed.declined') });
    case 'incomplete':
      return t.t(o.reason === 'content_filter' ? 'triage.failed.content_filter' : 'triage.failed.cut_off');
    case 'invalid':
      return t.t('triage.failed.invalid');
    case 'failed':
      return t.t('triage.failed.error', { error: o.error });
  }
}
