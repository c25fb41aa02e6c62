import type { Logger } from 'pino';
import { ModelError, type ModelEvent, type ModelPort, type ModelRequest } from '../../turn/ports.js';

/**
 * `openai.fallback_model`: when OpenAI answers that the requested model does not exist (shut down, retired, never
 * there), the same request goes to the fallback at once, and every later call for that model goes straight there
 * (no failed round trip per turn). The final call says which model it stood in for (`fallbackFrom`), so the turn
 * can tell the admins and the usage log names the model that answered.
 */
export class FallbackModel implements ModelPort {
  private readonly gone = new Set<string>();

  constructor(
    private readonly inner: ModelPort,
    private readonly fallback: string,
    private readonly log: Logger,
  ) {}

  /** Models OpenAI said are gone since this process started. */
  get goneModels(): string[] {
    return [...this.gone];
  }

  async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
    const wanted = request.model;
    if (wanted !== this.fallback && this.gone.has(wanted)) {
      yield* this.onFallback(request, wanted, signal);
      return;
    }
    let started = false;
    try {
      for await (const event of this.inner.stream(request, signal)) {
        started = true;
        yield event;
      }
    } catch (err) {
      // Once anything came back the model exists; an error then is another failure.
      if (started || wanted === this.fallback || !(err instanceof ModelError) || err.kind !== 'model_missing')
        throw err;
      this.gone.add(wanted);
      this.log.warn(
        { model: wanted, fallback: this.fallback, code: err.details.code, request_id: err.details.requestId },
        'OpenAI no longer serves the configured model; answering with openai.fallback_model from now on',
      );
      yield* this.onFallback(request, wanted, signal);
    }
  }

  private async *onFallback(request: ModelRequest, from: string, signal?: AbortSignal): AsyncIterable<ModelEvent> {
    for await (const event of this.inner.stream({ ...request, model: this.fallback }, signal))
      yield event.type === 'done' ? { type: 'done', call: { ...event.call, fallbackFrom: from } } : event;
  }
}
