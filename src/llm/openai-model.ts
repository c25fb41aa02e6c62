import type OpenAI from 'openai';
import type { ResponseCreateParamsStreaming, ResponseStreamEvent, Response as OpenAIResponse, Tool as OpenAITool } from 'openai/resources/responses/responses';
import type { Logger } from 'pino';
import { ModelError, type ModelCall, type ModelEvent, type ModelPort, type ModelRequest, type ModelTool } from '../turn/ports.js';
import { backoffMs, sleep } from './backoff.js';
import { fromSdkError, fromStreamError, isRetryable } from './errors.js';
import { toResponsesInput } from './responses-input.js';

export interface OpenAIModelOptions {
  maxRetries: number;
  /** Abort a stream after this long without an event. */
  stallTimeoutMs: number;
  /** Time allowed until response headers arrive. */
  requestTimeoutMs: number;
  backoffBaseMs?: number;
}

function toTool(tool: ModelTool): OpenAITool {
  if (tool.type === 'function') {
    return { type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict };
  }
  return { type: 'file_search', vector_store_ids: tool.vectorStoreIds, ...(tool.maxResults ? { max_num_results: tool.maxResults } : {}) };
}

export function toCreateParams(req: ModelRequest): ResponseCreateParamsStreaming {
  return {
    model: req.model,
    instructions: req.instructions,
    input: toResponsesInput(req.items),
    max_output_tokens: req.maxOutputTokens,
    safety_identifier: req.safetyIdentifier,
    prompt_cache_key: req.promptCacheKey,
    metadata: req.metadata,
    store: req.store,
    ...(req.previousResponseId ? { previous_response_id: req.previousResponseId } : {}),
    ...(req.tools?.length ? { tools: req.tools.map(toTool), parallel_tool_calls: true } : {}),
    stream: true,
    stream_options: { include_obfuscation: false },
  };
}

function toCall(response: OpenAIResponse, requestId: string | undefined): ModelCall {
  const functionCalls = response.output.flatMap((item) =>
    item.type === 'function_call' ? [{ callId: item.call_id, name: item.name, arguments: item.arguments }] : [],
  );
  return {
    responseId: response.id,
    model: response.model,
    status: response.status === 'incomplete' ? 'incomplete' : 'completed',
    incompleteReason: response.incomplete_details?.reason ?? undefined,
    usage: response.usage
      ? {
          inputTokens: response.usage.input_tokens,
          cachedTokens: response.usage.input_tokens_details?.cached_tokens ?? 0,
          outputTokens: response.usage.output_tokens,
        }
      : undefined,
    requestId,
    functionCalls,
  };
}

/** The Responses API behind the ModelPort: streaming, retries that honour Retry-After, stall detection. */
export class OpenAIModel implements ModelPort {
  constructor(
    private readonly client: OpenAI,
    private readonly options: OpenAIModelOptions,
    private readonly log: Logger,
  ) {}

  async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
    const params = toCreateParams(request);
    for (let attempt = 0; ; attempt++) {
      let yielded = false;
      try {
        for await (const event of this.streamOnce(params, signal)) {
          yielded = true;
          yield event;
        }
        return;
      } catch (raw) {
        const err = fromSdkError(raw);
        // Text already shown cannot be taken back, so only a call that produced nothing is retried.
        if (yielded || !isRetryable(err) || attempt >= this.options.maxRetries || signal?.aborted) throw err;
        const delay = err.details.retryAfterMs ?? backoffMs(attempt, this.options.backoffBaseMs);
        this.log.warn({ kind: err.kind, status: err.details.status, request_id: err.details.requestId, attempt: attempt + 1, delay_ms: delay }, 'retrying model call');
        await sleep(delay, signal);
      }
    }
  }

  private async *streamOnce(params: ResponseCreateParamsStreaming, outer?: AbortSignal): AsyncIterable<ModelEvent> {
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        controller.abort(new Error('stalled'));
      }, this.options.stallTimeoutMs);
    };
    let requestId: string | undefined;
    try {
      arm();
      const { data: stream, request_id } = await this.client.responses
        .create(params, { signal: controller.signal, maxRetries: 0, timeout: this.options.requestTimeoutMs })
        .withResponse();
      requestId = request_id ?? undefined;
      arm();
      for await (const event of stream as AsyncIterable<ResponseStreamEvent>) {
        arm();
        const out = this.handle(event, requestId);
        if (out) yield out;
        if (out?.type === 'done') return;
      }
      throw new ModelError('connection', 'the stream ended before the response was complete', { requestId });
    } catch (err) {
      if (stalled) throw new ModelError('stalled', `no data from OpenAI for ${this.options.stallTimeoutMs} ms`, { requestId });
      const mapped = fromSdkError(err);
      if (!mapped.details.requestId && requestId) Object.assign(mapped.details, { requestId });
      throw mapped;
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
      // Ends the HTTP request if the consumer stopped early.
      controller.abort();
    }
  }

  private handle(event: ResponseStreamEvent, requestId: string | undefined): ModelEvent | undefined {
    switch (event.type) {
      case 'response.output_text.delta':
        return { type: 'text', delta: event.delta };
      case 'response.refusal.delta':
        return { type: 'text', delta: event.delta };
      case 'response.completed':
      case 'response.incomplete':
        return { type: 'done', call: toCall(event.response, requestId) };
      case 'response.failed':
        throw fromStreamError(event.response.error as { code?: string; message?: string } | null, requestId);
      case 'error': {
        // Production nests the details ({error:{type,code,message}}); the spec shows them flat.
        const e = event as unknown as { error?: { code?: string | null; message?: string; type?: string }; code?: string | null; message?: string };
        throw fromStreamError(e.error ?? { code: e.code, message: e.message }, requestId);
      }
      default:
        return undefined;
    }
  }
}
