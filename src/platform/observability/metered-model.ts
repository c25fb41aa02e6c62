import { ModelError, type ModelEvent, type ModelPort, type ModelRequest, type ModelUsage } from '../../turn/ports.js';
import { type Metrics, seconds } from './metrics.js';

/** Prices a finished call in US dollars; undefined while the model's price is unknown. */
export type CostOf = (model: string, usage: ModelUsage) => number | undefined;

/**
 * Wraps any ModelPort to count calls, tokens and spend and to time the first token, so neither the turn nor the
 * OpenAI adapter needs to know about Prometheus.
 */
export function meteredModel(inner: ModelPort, metrics: Metrics, costOf: CostOf = () => undefined): ModelPort {
  return {
    async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
      const started = Date.now();
      let firstToken = true;
      metrics.runningStreams.inc();
      try {
        for await (const event of inner.stream(request, signal)) {
          if (event.type === 'text' && firstToken) {
            firstToken = false;
            metrics.firstTokenSeconds.observe(seconds(Date.now() - started));
          }
          if (event.type === 'done') {
            const { call } = event;
            metrics.modelCalls.inc({ status: call.status });
            if (call.usage) {
              metrics.tokens.inc({ kind: 'input' }, call.usage.inputTokens);
              metrics.tokens.inc({ kind: 'cached' }, call.usage.cachedTokens);
              metrics.tokens.inc({ kind: 'output' }, call.usage.outputTokens);
              metrics.tokens.inc({ kind: 'reasoning' }, call.usage.reasoningTokens ?? 0);
              metrics.tokens.inc({ kind: 'cache_write' }, call.usage.cacheWriteTokens ?? 0);
              metrics.costUsd.inc(costOf(call.model, call.usage) ?? 0);
            }
          }
          yield event;
        }
      } catch (err) {
        metrics.modelCalls.inc({ status: err instanceof ModelError ? err.kind : 'connection' });
        throw err;
      } finally {
        metrics.runningStreams.dec();
      }
    },
  };
}
