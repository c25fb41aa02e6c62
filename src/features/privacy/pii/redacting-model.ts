import type { CountryCode } from 'libphonenumber-js';
import type { ModelEvent, ModelPort, ModelRequest } from '../../../turn/ports.js';
import type { ThreadItem } from '../../../turn/thread.js';
import { type RedactOptions, redactText } from './redact.js';

/** Redacts every text an item carries to the model; other fields (ids, attachments) pass through unchanged. */
function redactItem(item: ThreadItem, options: RedactOptions): ThreadItem {
  switch (item.type) {
    case 'user':
    case 'assistant':
      return { ...item, text: redactText(item.text, options) };
    case 'function_call_output':
      return { ...item, output: redactText(item.output, options) };
    default:
      return item;
  }
}

/**
 * Wraps a model so that nothing it is sent (the new message, the history, tool results) carries PII.
 * The thread store keeps the original text; only what leaves for OpenAI is redacted, every turn.
 */
function redactingModel(inner: ModelPort, options: RedactOptions): ModelPort {
  return {
    stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
      return inner.stream({ ...request, items: request.items.map((item) => redactItem(item, options)) }, signal);
    },
  };
}

/** The redaction options a `privacy` config block asks for, or undefined when redaction is off. */
export function redactOptionsFrom(privacy: {
  redact_before_openai: boolean;
  phone_region: string;
}): RedactOptions | undefined {
  return privacy.redact_before_openai ? { phoneRegion: privacy.phone_region as CountryCode } : undefined;
}

/** The model as configured: redacting when `privacy.redact_before_openai` is on, untouched otherwise. */
export function withPrivacy(
  model: ModelPort,
  privacy: { redact_before_openai: boolean; phone_region: string },
): ModelPort {
  const options = redactOptionsFrom(privacy);
  return options ? redactingModel(model, options) : model;
}
