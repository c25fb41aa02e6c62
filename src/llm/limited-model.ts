import type { ModelEvent, ModelPort, ModelRequest } from '../turn/ports.js';
import type { TokenCounter } from '../turn/tokens.js';
import type { OpenAIRateLimiter } from './rate-limiter.js';

/** Puts every model call through the app-level limiter; while a call waits, its queue position is streamed. */
export class RateLimitedModel implements ModelPort {
  constructor(
    private readonly inner: ModelPort,
    private readonly limiter: OpenAIRateLimiter,
    private readonly counter: TokenCounter,
  ) {}

  async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
    // OpenAI counts the output cap against tokens per minute when it admits a request, so do we.
    const tokens = this.counter.fixed(request.instructions, (request as { tools?: unknown }).tools) + this.counter.items(request.items) + request.maxOutputTokens;
    const ticket = this.limiter.acquire(tokens);
    const onAbort = () => ticket.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    let release: (() => void) | undefined;
    try {
      ticket.granted.then((r) => (release = r), () => undefined);
      for (;;) {
        const next = await Promise.race([ticket.granted.then(() => 'granted' as const), ticket.nextPosition()]);
        if (next === 'granted' || next === undefined) break;
        yield { type: 'queued', position: next };
      }
      if (signal?.aborted) throw signal.reason;
      release = await ticket.granted;
      yield* this.inner.stream(request, signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      ticket.cancel();
      release?.();
    }
  }
}
