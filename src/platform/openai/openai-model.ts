import { APIError, type OpenAI } from 'openai';
import type {
  Response as OpenAIResponse,
  Tool as OpenAITool,
  ResponseCompletedEvent,
  ResponseCreateParamsStreaming,
  ResponseFailedEvent,
  ResponseOutputItem,
  ResponseOutputText,
  ResponseOutputTextAnnotationAddedEvent,
  ResponseStreamEvent,
} from 'openai/resources/responses/responses';
import type { Logger } from 'pino';
import { type ModelCompat, PRESETS } from '../../config/compat.js';
import { effortFor, retentionFor } from '../../config/models.js';
import { backoffMs } from '../../lib/backoff.js';
import { withRetry } from '../../lib/retry.js';
import {
  type Citation,
  type ModelCall,
  ModelError,
  type ModelEvent,
  type ModelPort,
  type ModelRequest,
  type ModelTool,
} from '../../turn/ports.js';
import type { HostedItem } from '../../turn/thread.js';
import { fromSdkError, fromStreamError, isRetryable } from './errors.js';
import { toResponsesInput } from './responses-input.js';
import { toUsage } from './usage.js';

export interface OpenAIModelOptions {
  maxRetries: number;
  /** Abort a stream after this long without an event. */
  stallTimeoutMs: number;
  /** Time allowed until response headers arrive. */
  requestTimeoutMs: number;
  backoffBaseMs?: number;
  /** What the server supports; OpenAI's full feature set by default. */
  compat?: ModelCompat;
  /** Sees the headers of every OpenAI answer, errors included (x-ratelimit-* for the app-level limiter). */
  onHeaders?: (headers: Headers, status: number) => void;
}

function toTool(tool: ModelTool): OpenAITool {
  if (tool.type === 'function') {
    return {
      type: 'function',
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters,
      strict: tool.strict,
    };
  }
  if (tool.type === 'mcp')
    return {
      type: 'mcp',
      server_label: tool.serverLabel,
      server_url: tool.serverUrl,
      ...(Object.keys(tool.headers).length ? { headers: tool.headers } : {}),
      ...(tool.allowedTools ? { allowed_tools: tool.allowedTools } : {}),
      // Reads run at once; everything else comes back as an mcp_approval_request for the asker's click.
      require_approval: {
        never: tool.neverApprove === 'annotated' ? { read_only: true } : { tool_names: tool.neverApprove },
      },
    };
  return {
    type: 'file_search',
    vector_store_ids: tool.vectorStoreIds,
    ...(tool.maxResults ? { max_num_results: tool.maxResults } : {}),
  };
}

/** Function tools always; hosted tools (file_search) only where the server runs them. */
function toolParams(
  tools: readonly ModelTool[] | undefined,
  compat: ModelCompat,
): Pick<ResponseCreateParamsStreaming, 'tools' | 'parallel_tool_calls'> {
  const usable = (tools ?? []).filter((t) => t.type === 'function' || compat.hostedTools);
  return usable.length ? { tools: usable.map(toTool), parallel_tool_calls: true } : {};
}

/**
 * `reasoning` for reasoning models only (others refuse `reasoning.effort`), with an effort the model accepts. No
 * sampling parameters (temperature, top_p) are ever sent: reasoning models refuse them, and the defaults suit chat.
 */
function reasoningParams(req: ModelRequest): Pick<ResponseCreateParamsStreaming, 'reasoning'> {
  const effort = effortFor(req.model, req.reasoningEffort);
  if (!effort) return {};
  return { reasoning: { effort, ...(req.reasoningSummary ? { summary: req.reasoningSummary } : {}) } };
}

/** Builds the Responses API request, leaving out what the server behind the base URL does not support. */
export function toCreateParams(req: ModelRequest, compat: ModelCompat = PRESETS.openai): ResponseCreateParamsStreaming {
  const retention = compat.promptCacheKey ? retentionFor(req.model, req.promptCacheRetention) : undefined;
  return {
    model: req.model,
    instructions: req.instructions,
    input: toResponsesInput(req.items, req.turnInstructions),
    max_output_tokens: req.maxOutputTokens,
    ...(compat.safetyIdentifier ? { safety_identifier: req.safetyIdentifier } : {}),
    ...(compat.promptCacheKey ? { prompt_cache_key: req.promptCacheKey } : {}),
    ...(retention ? { prompt_cache_retention: retention } : {}),
    ...reasoningParams(req),
    ...(compat.metadata ? { metadata: req.metadata } : {}),
    ...(compat.store ? { store: req.store } : {}),
    ...(req.previousResponseId && compat.previousResponseId ? { previous_response_id: req.previousResponseId } : {}),
    ...toolParams(req.tools, compat),
    stream: true,
    ...(compat.streamOptions ? { stream_options: { include_obfuscation: false } } : {}),
  };
}

type Annotation = ResponseOutputText['annotations'][number] | null | undefined;

/** Files cited by hosted file_search, each once, in the order first cited. */
class Citations {
  private readonly byId = new Map<string, Citation>();

  add(annotation: Annotation): void {
    if (annotation?.type !== 'file_citation' || !annotation.file_id || this.byId.has(annotation.file_id)) return;
    this.byId.set(annotation.file_id, {
      fileId: annotation.file_id,
      filename: annotation.filename || annotation.file_id,
    });
  }

  /** The annotations on the final output, which repeat (or, on some servers, replace) the streamed ones. */
  addOutput(output: readonly ResponseOutputItem[]): void {
    for (const item of output)
      if (item?.type === 'message' && Array.isArray(item.content))
        for (const part of item.content)
          if (part?.type === 'output_text' && Array.isArray(part.annotations))
            for (const a of part.annotations) this.add(a);
  }

  list(): Citation[] {
    return [...this.byId.values()];
  }
}

/**
 * The final call from `response.completed`/`.incomplete`. Compatible servers may send `output` or `usage` as null:
 * the streamed text is the answer then, with no function calls and unknown usage.
 */
function toCall(response: OpenAIResponse, requestId: string | undefined, citations: Citations): ModelCall {
  const output = Array.isArray(response.output) ? response.output : [];
  citations.addOutput(output);
  const functionCalls = output.flatMap((item) =>
    item?.type === 'function_call' ? [{ callId: item.call_id, name: item.name, arguments: item.arguments }] : [],
  );
  // Hosted MCP items go back verbatim with the history (without store, the server needs them to continue).
  const hostedItems = output.filter(
    (item): item is Extract<ResponseOutputItem, { type: 'mcp_list_tools' | 'mcp_call' | 'mcp_approval_request' }> =>
      item?.type === 'mcp_list_tools' || item?.type === 'mcp_call' || item?.type === 'mcp_approval_request',
  );
  const approvalRequests = hostedItems.flatMap((item) =>
    item.type === 'mcp_approval_request'
      ? [{ id: item.id, serverLabel: item.server_label, name: item.name, arguments: item.arguments }]
      : [],
  );
  const cited = citations.list();
  return {
    responseId: response.id,
    model: response.model,
    status: response.status === 'incomplete' ? 'incomplete' : 'completed',
    incompleteReason: response.incomplete_details?.reason ?? undefined,
    usage: toUsage(response.usage),
    requestId,
    functionCalls,
    ...(hostedItems.length ? { hostedItems: hostedItems as unknown as HostedItem[] } : {}),
    ...(approvalRequests.length ? { approvalRequests } : {}),
    ...(cited.length ? { citations: cited } : {}),
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
    const params = toCreateParams(request, this.options.compat);
    // Tagged with the turn id, so retries join the Slack ids and outcome logged for the same turn.
    const log = this.log.child({ turn: request.metadata.turn });
    // Text already shown cannot be taken back, so only opening the stream (up to its first event) is retried.
    const { first, events } = await withRetry(() => this.open(params, signal), {
      attempts: this.options.maxRetries + 1,
      signal,
      delayFor: (raw, attempt) => {
        const err = fromSdkError(raw);
        return isRetryable(err)
          ? (err.details.retryAfterMs ?? backoffMs(attempt - 1, this.options.backoffBaseMs))
          : undefined;
      },
      onRetry: (raw, attempt, delay) => {
        const err = fromSdkError(raw);
        log.warn(
          { kind: err.kind, status: err.details.status, request_id: err.details.requestId, attempt, delay_ms: delay },
          'retrying model call',
        );
      },
    }).catch((raw) => {
      throw signal?.aborted && !(raw instanceof ModelError)
        ? new ModelError('aborted', 'request aborted')
        : fromSdkError(raw);
    });
    try {
      for (let next = first; !next.done; next = await events.next()) yield next.value;
    } catch (raw) {
      throw fromSdkError(raw);
    } finally {
      await events.return?.(undefined);
    }
  }

  /** Opens one stream and waits for its first event (or its end). */
  private async open(
    params: ResponseCreateParamsStreaming,
    signal?: AbortSignal,
  ): Promise<{ first: IteratorResult<ModelEvent>; events: AsyncIterator<ModelEvent> }> {
    const events = this.streamOnce(params, signal)[Symbol.asyncIterator]();
    return { first: await events.next(), events };
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
      const {
        data: stream,
        request_id,
        response,
      } = await this.client.responses
        .create(params, { signal: controller.signal, maxRetries: 0, timeout: this.options.requestTimeoutMs })
        .withResponse();
      requestId = request_id ?? undefined;
      this.options.onHeaders?.(response.headers, response.status);
      arm();
      const citations = new Citations();
      const hosted = new Map<string, { server: string; name?: string }>();
      for await (const event of stream as AsyncIterable<ResponseStreamEvent>) {
        arm();
        const out = this.handle(event, requestId, citations, hosted);
        if (out) yield out;
        if (out?.type === 'done') return;
      }
      throw new ModelError('connection', 'the stream ended before the response was complete', { requestId });
    } catch (err) {
      if (err instanceof APIError && err.headers && err.status) this.options.onHeaders?.(err.headers, err.status);
      if (stalled)
        throw new ModelError('stalled', `no data from OpenAI for ${this.options.stallTimeoutMs} ms`, { requestId });
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

  /** One stream event; types this adapter does not use (the API adds new ones over time) are ignored. */
  private handle(
    event: ResponseStreamEvent,
    requestId: string | undefined,
    citations: Citations,
    hosted: Map<string, { server: string; name?: string }>,
  ): ModelEvent | undefined {
    switch ((event as { type?: unknown } | null)?.type) {
      case 'response.output_item.added': {
        // The item names the server and tool; the mcp_call events that follow only carry its id.
        const { item } = event as { item?: { type?: string; id?: string; server_label?: string; name?: string } };
        if ((item?.type === 'mcp_call' || item?.type === 'mcp_list_tools') && item.id && item.server_label)
          hosted.set(item.id, { server: item.server_label, name: item.name });
        return undefined;
      }
      case 'response.mcp_list_tools.in_progress': {
        const h = hosted.get((event as { item_id?: string }).item_id ?? '');
        return {
          type: 'progress',
          label: h ? { step: 'hosted_connect', values: { server: h.server } } : { step: 'hosted_connect_unknown' },
        };
      }
      case 'response.mcp_call.in_progress':
      case 'response.mcp_call.completed':
      case 'response.mcp_call.failed': {
        const id = (event as { item_id?: string }).item_id ?? '';
        const h = hosted.get(id);
        const kind = (event as { type: string }).type;
        const status = kind.endsWith('in_progress') ? 'in_progress' : kind.endsWith('completed') ? 'complete' : 'error';
        return {
          type: 'progress',
          label: !h
            ? { step: 'hosted_unknown' }
            : h.name
              ? { step: 'hosted_use', values: { server: h.server, tool: h.name } }
              : { step: 'hosted_use_unnamed', values: { server: h.server } },
          ...(id ? { step: { id, status } } : {}),
        };
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta': {
        const { delta } = event as { delta?: unknown };
        return typeof delta === 'string' && delta ? { type: 'text', delta } : undefined;
      }
      case 'response.reasoning_summary_text.delta': {
        const { delta } = event as { delta?: unknown };
        return typeof delta === 'string' && delta ? { type: 'reasoning', delta } : undefined;
      }
      case 'response.output_text.annotation.added':
        citations.add((event as ResponseOutputTextAnnotationAddedEvent).annotation as Annotation);
        return undefined;
      case 'response.completed':
      case 'response.incomplete':
        return { type: 'done', call: toCall((event as ResponseCompletedEvent).response, requestId, citations) };
      case 'response.failed':
        throw fromStreamError(
          (event as ResponseFailedEvent).response?.error as { code?: string; message?: string } | null,
          requestId,
        );
      case 'error': {
        // Production nests the details ({error:{type,code,message}}); the spec shows them flat.
        const e = event as unknown as {
          error?: { code?: string | null; message?: string; type?: string };
          code?: string | null;
          message?: string;
        };
        throw fromStreamError(e.error ?? { code: e.code, message: e.message }, requestId);
      }
      default:
        return undefined;
    }
  }
}
