import type { Logger } from 'pino';
import { stepStatus, stepTitle } from '../i18n/step-labels.js';
import type { Translator } from '../i18n/translators.js';
import type { ContextFitter } from './fit-request.js';
import { type ModelCall, ModelError, type ModelPort, type ModelRequest, type ReplySink } from './ports.js';
import { QuotaRefused } from './quota-gate.js';
import type { CallObserver } from './summarize.js';
import type { ThreadItem } from './thread.js';

/** After OpenAI still says "too long", the retry gets at most this share of what was sent. */
export const HARDER_FACTOR = 0.5;

export interface CallContext {
  model: ModelPort;
  sink: ReplySink;
  /** The asker's language, for the status lines. */
  translator: Translator;
  log: Logger;
  /** Absent: requests go out as built (no budget). */
  fitter?: ContextFitter;
  /** The whole conversation including the new message (for chained requests and their fallback). */
  fullItems: ThreadItem[];
  /** The same call without previous_response_id, for when OpenAI no longer has the chained response. */
  unchained: () => ModelRequest;
  observe: CallObserver;
  /** Receives the answer's text as it streams; the caller shows it (so rounds can be joined as it likes). */
  onText: (delta: string) => void;
  /** Whether any text reached the user (then nothing can be retried). */
  shown: () => boolean;
  /** The person pressed Stop: the stream is aborted and nothing is retried. */
  signal?: AbortSignal;
}

/** A reasoning summary is shown as the thread status (never as the answer): its latest words, as many as fit. */
const REASONING_STATUS_CHARS = 120;

/** The status of a turn waiting in line (for a model call slot, or a turn slot of the replica), and its loading text. */
export const queuedStatus = (t: Translator, position: number) => ({
  text: t.t('status.queued', { position }),
  loading: t.t('loading.queued', { position }),
});

/** Runs the model, feeding the sink as text arrives; returns the final call or throws the ModelError. */
async function streamOnce(request: ModelRequest, ctx: CallContext): Promise<ModelCall> {
  let reasoning = '';
  for await (const event of ctx.model.stream(request, ctx.signal)) {
    if (event.type === 'text') {
      ctx.onText(event.delta);
    } else if (event.type === 'queued') {
      const line = queuedStatus(ctx.translator, event.position);
      ctx.sink.status(line.text, 'queue', line.loading);
    } else if (event.type === 'reasoning') {
      reasoning = (reasoning + event.delta).slice(-REASONING_STATUS_CHARS);
      const summary = reasoning.trim();
      ctx.sink.status(
        ctx.translator.t('status.thinking_about', { summary }),
        undefined,
        ctx.translator.t('loading.thinking_about', { summary }),
      );
    } else if (event.type === 'progress') {
      const line = stepStatus(ctx.translator, event.label);
      if (event.step && ctx.sink.steps)
        ctx.sink.steps([{ ...event.step, title: stepTitle(ctx.translator, event.label) }], line);
      else if (event.step?.status !== 'complete' && event.step?.status !== 'error')
        ctx.sink.status(line.text, 'tools', line.loading);
    } else {
      return event.call;
    }
  }
  throw new ModelError('connection', 'the model stream ended without a final event');
}

/**
 * One model call that fits the budget, with the two recoveries that are safe before anything was shown:
 * a chained response OpenAI no longer has (resend the history), and `context_length_exceeded` (trim harder,
 * once). Every attempt is reported to `observe`.
 */
export async function callModel(
  built: ModelRequest,
  ctx: CallContext,
): Promise<{ call: ModelCall; request: ModelRequest }> {
  const fit = async (request: ModelRequest, ceiling?: number) => {
    if (!ctx.fitter) return request;
    const fitted = await ctx.fitter.fit(request, {
      fullItems: ctx.fullItems,
      ceiling,
      summaryCall: { model: ctx.model, observe: ctx.observe },
    });
    return fitted.request;
  };
  const attempt = async (request: ModelRequest) => {
    const started = Date.now();
    try {
      const call = await streamOnce(request, ctx);
      ctx.observe(request, call, undefined, Date.now() - started);
      return { call, request };
    } catch (err) {
      // Refused by the quotas: nothing was sent, so there is no call to report and nothing to retry.
      if (err instanceof QuotaRefused) throw err;
      const error =
        err instanceof ModelError ? err : new ModelError('connection', (err as Error)?.message ?? String(err));
      ctx.observe(request, undefined, error, Date.now() - started);
      throw error;
    }
  };

  let request = await fit(built);
  try {
    return await attempt(request);
  } catch (err) {
    const error = err as ModelError;
    if (ctx.shown() || ctx.signal?.aborted) throw error;
    if (error.kind === 'previous_response_missing') {
      ctx.log.warn({ code: error.details.code }, 'previous response not found; resending full history');
      request = await fit(ctx.unchained());
    } else if (error.kind === 'context_length' && ctx.fitter) {
      ctx.log.warn(
        { request_id: error.details.requestId },
        'input still too long for the model; trimming harder and retrying once',
      );
      // Half of what was sent, counted exactly (the fit may have passed it on an estimate).
      const sent = ctx.fitter.count(request, ctx.fullItems);
      request = await fit(built.previousResponseId ? ctx.unchained() : built, Math.floor(sent * HARDER_FACTOR));
    } else {
      throw error;
    }
    return attempt(request);
  }
}
