import type { Response as OpenAIResponse } from 'openai/resources/responses/responses';
import type { ModelUsage } from '../../turn/ports.js';

/** Usage as reported, or undefined when a compatible server leaves it out (then it is unknown, not zero). */
export function toUsage(usage: OpenAIResponse['usage'] | undefined): ModelUsage | undefined {
  if (!usage || typeof usage.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') return undefined;
  const cacheWrite = usage.input_tokens_details?.cache_write_tokens;
  const reasoning = usage.output_tokens_details?.reasoning_tokens;
  return {
    inputTokens: usage.input_tokens,
    cachedTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: usage.output_tokens,
    ...(typeof cacheWrite === 'number' && cacheWrite > 0 ? { cacheWriteTokens: cacheWrite } : {}),
    ...(typeof reasoning === 'number' && reasoning > 0 ? { reasoningTokens: reasoning } : {}),
  };
}
