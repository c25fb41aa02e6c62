import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type OpenAI from 'openai';
import type { ResponseInputItem, Response as OpenAIResponse } from 'openai/resources/responses/responses';
import { fromSdkError } from '../../llm/errors.js';
import { toCreateParams } from '../../llm/openai-model.js';
import type { ModelCall, ModelEvent, ModelPort, ModelRequest } from '../../turn/ports.js';
import type { FunctionCall, ToolRunnerLike } from './tool-stubs.js';

export interface EvalImage {
  dataUrl: string;
  detail: 'low' | 'high' | 'auto';
}

const MIME: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif' };

/** An image file as a data URL (Slack-private images reach OpenAI the same way in production). */
export async function imageFromFile(path: string, detail: EvalImage['detail']): Promise<EvalImage> {
  const mime = MIME[extname(path).toLowerCase()];
  if (!mime) throw new Error(`${path}: only PNG, JPEG, WEBP and GIF images can be sent to the model`);
  return { dataUrl: `data:${mime};base64,${(await readFile(path)).toString('base64')}`, detail };
}

export interface EvalModelOptions {
  images: readonly EvalImage[];
  tools?: ToolRunnerLike;
  /** Model calls allowed to ask for tools before an answer is required. */
  maxToolRounds: number;
}

/** Adds the case's images to the newest user message, next to its text. */
function withImages(input: ResponseInputItem[], images: readonly EvalImage[]): ResponseInputItem[] {
  if (!images.length) return input;
  const at = input.findLastIndex((i) => i.type === 'message' && i.role === 'user');
  if (at < 0) return input;
  const msg = input[at] as ResponseInputItem.Message;
  const parts = images.map((img) => ({ type: 'input_image' as const, image_url: img.dataUrl, detail: img.detail }));
  return input.with(at, { ...msg, content: [...msg.content, ...parts] });
}

function text(response: OpenAIResponse): string {
  return response.output
    .flatMap((o) => (o.type === 'message' ? o.content : []))
    .map((p) => (p.type === 'output_text' ? p.text : p.refusal))
    .join('');
}

/**
 * The model behind an eval case: the request the turn built (same instructions, history and parameters as in
 * production, via toCreateParams), plus the case's images and stubbed tools. Function calls are answered by the
 * stubs and the conversation continues until the model answers in text, as the bot's tool loop does.
 * Non-streaming: an eval reads the whole answer, and the turn pipeline treats one big delta like many small ones.
 */
export class EvalModel implements ModelPort {
  /** Every function call the model made, in order. */
  readonly calls: FunctionCall[] = [];

  constructor(private readonly client: OpenAI, private readonly options: EvalModelOptions) {}

  async *stream(request: ModelRequest, signal?: AbortSignal): AsyncIterable<ModelEvent> {
    const { stream: _stream, stream_options: _options, ...params } = toCreateParams(request);
    const tools = this.options.tools;
    let input = withImages(params.input as ResponseInputItem[], this.options.images);
    const usage = { inputTokens: 0, cachedTokens: 0, outputTokens: 0 };
    for (let round = 0; ; round++) {
      const offerTools = tools && tools.definitions.length > 0 && round < this.options.maxToolRounds;
      let response: OpenAIResponse;
      let requestId: string | undefined;
      try {
        const res = await this.client.responses
          .create({ ...params, input, stream: false, ...(offerTools ? { tools: tools.definitions } : {}) }, { signal })
          .withResponse();
        response = res.data;
        requestId = res.request_id ?? undefined;
      } catch (err) {
        throw fromSdkError(err);
      }
      usage.inputTokens += response.usage?.input_tokens ?? 0;
      usage.cachedTokens += response.usage?.input_tokens_details?.cached_tokens ?? 0;
      usage.outputTokens += response.usage?.output_tokens ?? 0;
      const calls = response.output.flatMap((o) => (o.type === 'function_call' ? [{ callId: o.call_id, name: o.name, arguments: o.arguments }] : []));
      this.calls.push(...calls);
      if (calls.length && offerTools) {
        const outputs = await tools.run(calls);
        const replayed = response.output.filter((o) => o.type === 'message' || o.type === 'function_call') as ResponseInputItem[];
        input = [...input, ...replayed, ...outputs.map((o): ResponseInputItem => ({ type: 'function_call_output', call_id: o.callId, output: o.output }))];
        continue;
      }
      const answer = text(response);
      if (answer) yield { type: 'text', delta: answer };
      const call: ModelCall = {
        responseId: response.id,
        model: response.model,
        status: response.status === 'incomplete' ? 'incomplete' : 'completed',
        incompleteReason: response.incomplete_details?.reason ?? undefined,
        usage,
        requestId,
        functionCalls: [...this.calls],
      };
      yield { type: 'done', call };
      return;
    }
  }
}
