import type { ModelEvent, ModelPort, ModelRequest } from '../../turn/ports.js';
import { itemText, type TokenCounter } from '../../turn/tokens.js';
import type { OpenAIRateLimiter } from './rate-limiter.js';

/**
 * What OpenAI charges a call against tokens per minute when admitting it: its input, estimated from characters
 * (about 4 per token) rather than tokenized, plus the whole output cap. Taking the larger of that and our exact
 * count keeps the limiter from underestimating either way.
 */
export function rateLimitTokens(request: ModelRequest, counter: TokenCounter): number {
  const tools = (request as { tools?: unknown }).tools;
  const chars =
    request.instructions.length +
    (tools ? JSON.stringify(tools).length : 0) +
    request.items.reduce((n, i) => n + itemText(i).length, 0);
  const counted = counter.fixed(request.instructions, tools) + counter.items(request.items);
  return Math.max(counted, Math.ceil(chars / 4)) + request.maxOutputTokens;
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
