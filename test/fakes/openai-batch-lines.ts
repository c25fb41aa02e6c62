// What the fake Batch API writes for one request line: a non-streaming Response body built from the same
// scripts FakeOpenAI streams, or an error, in the BatchRequestOutput shape
// ({id:"batch_req_…", custom_id, response:{status_code, request_id, body}, error}).
import { randomBytes } from 'node:crypto';
import type { Script } from './openai-server.js';
import { invalid, validateCreate } from './openai-validation.js';
import {
  buildResponse,
  datedModel,
  estimateTokens,
  functionCallItem,
  ids,
  type Json,
  messageItem,
  outputTextPart,
  refusalPart,
  usageObject,
} from './sse.js';

export const batchIds = {
  batch: () => `batch_${randomBytes(16).toString('hex')}`,
  request: () => `batch_req_${randomBytes(16).toString('hex')}`,
};

export interface LineResult {
  line: Json;
  ok: boolean;
  usage?: { input_tokens: number; output_tokens: number };
}

const errorLine = (customId: string, status: number, error: Json): LineResult => ({
  ok: false,
  line: {
    id: batchIds.request(),
    custom_id: customId,
    response: { status_code: status, request_id: ids.request(), body: { error } },
    error: null,
  },
});

/** A request the window closed on: no response at all, only an error (as the real error file shows). */
export const expiredLine = (customId: string): Json => ({
  id: batchIds.request(),
  custom_id: customId,
  response: null,
  error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
});

/** Runs one request line against a script: the body a synchronous, non-streaming call would have returned. */
export function runLine(customId: string, body: Json, script: Script, snapshots: Record<string, string>): LineResult {
  const err = validateCreate(body, new Map(), snapshots);
  if (err) return errorLine(customId, err.status, err.error);
  if (body.stream === true)
    return errorLine(
      customId,
      400,
      invalid('Streaming is not supported in the Batch API.', 'stream', 'invalid_value').error,
    );
  if (script.kind === 'http_error')
    return errorLine(customId, script.status, { ...script.error, param: script.error.param ?? null });
  if (script.kind === 'stream_error' || script.kind === 'stall' || script.kind === 'reset') {
    const e =
      script.kind === 'stream_error'
        ? script.error
        : { type: 'server_error', code: 'server_error', message: 'The server had an error processing your request.' };
    return errorLine(customId, 500, { message: e.message, type: e.type, param: null, code: e.code });
  }

  const model = script.model ?? datedModel(body.model, snapshots) ?? body.model;
  const resp = buildResponse(body, ids.response(), model, Math.floor(Date.now() / 1000));
  const output: Json[] = [];
  let outputText = '';
  let status = 'completed';
  let incomplete: string | undefined;
  if (script.kind === 'refusal') output.push(messageItem(ids.message(), 'completed', [refusalPart(script.refusal)]));
  // Batch requests carry no hosted tools here, so a file_search (or mcp) script is its plain text.
  else if (script.kind === 'text' || script.kind === 'json' || script.kind === 'file_search' || script.kind === 'mcp') {
    outputText = script.kind === 'json' ? JSON.stringify(script.value) : (script.text ?? '');
    if (script.kind === 'text' && script.status === 'incomplete') {
      status = 'incomplete';
      incomplete = script.incompleteReason ?? 'max_output_tokens';
    }
    output.push(messageItem(ids.message(), status, [outputTextPart(outputText)]));
  } else {
    if (script.text) output.push(messageItem(ids.message(), 'completed', [outputTextPart(script.text)]));
    for (const call of script.calls)
      output.push(
        functionCallItem(ids.functionCall(), 'completed', call.arguments, call.call_id ?? ids.callId(), call.name),
      );
    outputText = script.calls.map((c) => c.arguments).join('');
  }
  const input_tokens = script.usage?.input_tokens ?? estimateTokens(body);
  const output_tokens = script.usage?.output_tokens ?? Math.max(1, Math.ceil(outputText.length / 4));
  const final: Json = {
    ...resp,
    status,
    completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    incomplete_details: incomplete ? { reason: incomplete } : null,
    output,
    service_tier: 'default',
    usage: usageObject(input_tokens, script.usage?.cached_tokens ?? 0, output_tokens),
  };
  return {
    ok: true,
    usage: { input_tokens, output_tokens },
    line: {
      id: batchIds.request(),
      custom_id: customId,
      response: { status_code: 200, request_id: ids.request(), body: final },
      error: null,
    },
  };
}
