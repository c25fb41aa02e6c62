import type OpenAI from 'openai';
import type { ResponseInputContent } from 'openai/resources/responses/responses';
import type { Logger } from 'pino';
import { effortFor, type ReasoningEffort } from '../../config/models.js';
import { deadline } from '../../lib/deadline.js';
import { fromSdkError } from '../../platform/openai/errors.js';
import { toUsage } from '../../platform/openai/usage.js';
import { type RedactOptions, redactText } from '../privacy/pii/redact.js';
import type { TriageInput, TriageOutcome, TriagePort } from './port.js';
import { TRIAGE_INSTRUCTIONS, triageSchema, triageTextFormat } from './schema.js';

export interface TriageModelOptions {
  maxOutputTokens: number;
  /** Set when privacy.redact_before_openai is on. */
  redact?: RedactOptions;
  timeoutMs: number;
  /** The SDK's own retries for 429, 5xx and connection errors. */
  maxRetries: number;
  /** `openai.reasoning_effort`, sent to reasoning models only; unset: the model's own default. */
  reasoningEffort?: ReasoningEffort;
}

/**
 * Triage through the Responses API with Structured Outputs (`zodTextFormat` + `responses.parse`). A refusal, an
 * incomplete response and an answer that fails the schema each become their own outcome; the parsed object is
 * validated with zod again before anyone sees it.
 */
export function openAITriage(client: OpenAI, o: TriageModelOptions, log: Logger): TriagePort {
  return async (input: TriageInput, signal?: AbortSignal): Promise<TriageOutcome> => {
    const text = o.redact ? redactText(input.text, o.redact) : input.text;
    const content: ResponseInputContent[] = [
      { type: 'input_text', text: `The report to triage:\n\n${text || '(no text; see the screenshots)'}` },
      ...input.images.map(
        (img): ResponseInputContent => ({
          type: 'input_image',
          image_url: `data:${img.mime};base64,${Buffer.from(img.data).toString('base64')}`,
          detail: img.detail,
        }),
      ),
    ];
    const effort = o.reasoningEffort && effortFor(input.model, o.reasoningEffort);
    let response: Awaited<ReturnType<typeof client.responses.parse>>;
    try {
      response = await client.responses.parse(
        {
          model: input.model,
          instructions: TRIAGE_INSTRUCTIONS,
          input: [{ role: 'user', content }],
          text: { format: triageTextFormat },
          max_output_tokens: o.maxOutputTokens,
          ...(effort ? { reasoning: { effort } } : {}),
          safety_identifier: input.safetyIdentifier,
          store: false,
        },
        {
          maxRetries: o.maxRetries,
          signal: deadline(o.timeoutMs, signal),
        },
      );
    } catch (err) {
      // A completed answer that is not valid JSON for the schema fails inside the SDK's parser.
      if (err instanceof SyntaxError || (err as Error)?.name === 'ZodError')
        return { kind: 'invalid', error: (err as Error).message };
      const e = fromSdkError(err);
      log.warn(
        { kind: e.kind, status: e.details.status, code: e.details.code, request_id: e.details.requestId },
        'triage call failed',
      );
      return {
        kind: 'failed',
        error: e.kind === 'rate_limited' || e.kind === 'quota' ? 'the model is busy' : 'the model did not answer',
      };
    }
    const parts = response.output.flatMap((item) => (item.type === 'message' ? item.content : []));
    const refusal = parts.find((p) => p.type === 'refusal');
    if (refusal?.type === 'refusal') return { kind: 'refused', refusal: refusal.refusal };
    if (response.status === 'incomplete')
      return { kind: 'incomplete', reason: response.incomplete_details?.reason ?? 'unknown' };
    const checked = triageSchema.safeParse(response.output_parsed);
    if (!checked.success)
      return {
        kind: 'invalid',
        error: checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
      };
    const usage = toUsage(response.usage);
    return { kind: 'ok', triage: checked.data, model: response.model, ...(usage ? { usage } : {}) };
  };
}
