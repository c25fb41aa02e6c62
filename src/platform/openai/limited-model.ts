import type { ModelEvent, ModelPort, ModelRequest } from '../../turn/ports.js';
import type { TokenCounter } from '../../turn/tokens.js';
import type { OpenAIRateLimiter } from './rate-limiter.js';

/**
 * What OpenAI charges a call against tokens per minute when admitting it: its input, estimated from its size (OpenAI
 * counts about 4 characters a token when admitting; the estimate is never below that) rather than tokenized, plus
 * the whole output cap.
 */
export function rateLimitTokens(request: ModelRequest, counter: TokenCounter): number {
  const tools = (request as { tools?: unknown }).tools;
  return counter.quick(request.instructions, tools, request.items).estimate + request.maxOutputTokens;
}

/** Puts every model call through the app-level limiter; while a call waits, its queue position is streamed. */
export class RateLimitedModel implements ModelPort {
  constructor(
    private readonly inner: ModelPort,
    private readonly limiter: OpenAIRateLimiter,
    private readonly counter: TokenCounter,
  ) {}

  async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
    const tokens = rateLimitTokens(request, this.counter);
    const ticket = this.limiter.acquire(tokens);
    const onAbort = () => ticket.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    let release: (() => void) | undefined;
    try {
      ticket.granted.then(
        (r) => (release = r),
        () => undefined,
      );
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
