// Request validation the real POST /v1/responses performs, with the real error shapes
// (messages/params/codes taken from captured production errors where they were available).
import { checkFileData, checkImageUrl, tooManyImageBytes, tooManyImages, tooMuchFileContent } from './openai-media.js';
import { datedModel, isReasoningModel, type Json, supportedEfforts } from './sse.js';

export interface ApiError {
  status: number;
  error: { message: string; type: string; param: string | null; code: string | null };
}

export const invalid = (message: string, param: string | null, code: string | null, status = 400): ApiError => ({
  status,
  error: { message, type: 'invalid_request_error', param, code },
});

const missing = (param: string) =>
  invalid(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
const badValue = (param: string, value: unknown, allowed: string[]) =>
  invalid(`Invalid value: '${String(value)}'. Supported values are: ${listQuoted(allowed)}.`, param, 'invalid_value');
const tooLong = (param: string, max: number, got: number) =>
  invalid(
    `Invalid '${param}': string too long. Expected a string with maximum length ${max}, but got a string with length ${got} instead.`,
    param,
    'string_above_max_length',
  );
const badType = (param: string, expected: string, v: unknown) =>
  invalid(`Invalid type for '${param}': expected ${expected}, but got ${jsonType(v)} instead.`, param, 'invalid_type');

function listQuoted(xs: string[]): string {
  const q = xs.map((x) => `'${x}'`);
  return q.length <= 2 ? q.join(' and ') : `${q.slice(0, -1).join(', ')}, and ${q.at(-1)}`;
}
function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}
const isObj = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

export const KNOWN_PARAMS = new Set([
  'model',
  'input',
  'instructions',
  'max_output_tokens',
  'max_tool_calls',
  'metadata',
  'parallel_tool_calls',
  'previous_response_id',
  'reasoning',
  'store',
  'stream',
  'stream_options',
  'temperature',
  'text',
  'tool_choice',
  'tools',
  'top_p',
  'top_logprobs',
  'truncation',
  'user',
  'safety_identifier',
  'prompt_cache_key',
  'prompt_cache_retention',
  'prompt_cache_options',
  'service_tier',
  'include',
  'background',
  'conversation',
  'prompt',
  'context_management',
  'frequency_penalty',
  'presence_penalty',
  'moderation',
]);

/** `include` values the API accepts (spec `IncludeEnum`). */
const INCLUDABLE = [
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
  'reasoning.encrypted_content',
  'message.output_text.logprobs',
];

const ROLES = ['assistant', 'system', 'developer', 'user'];
const USER_PARTS = ['input_text', 'input_image', 'input_file'];
const ASSISTANT_PARTS = ['output_text', 'refusal'];
const ITEM_TYPES = [
  'message',
  'function_call',
  'function_call_output',
  'reasoning',
  'item_reference',
  'mcp_list_tools',
  'mcp_call',
  'mcp_approval_request',
  'mcp_approval_response',
];
const DETAILS = ['low', 'high', 'auto', 'original'];

/** Inline media seen while checking one request (validation is synchronous, one request at a time). */
const media = { imageBytes: 0, images: 0, fileBytes: 0, filePages: 0 };
const mediaCheck = (r: ApiError | number): ApiError | null => {
  if (typeof r !== 'number') return r;
  media.imageBytes += r;
  media.images++;
  return null;
};
const fileCheck = (r: ApiError | { bytes: number; pages: number }): ApiError | null => {
  if ('error' in r) return r;
  media.fileBytes += r.bytes;
  media.filePages += r.pages;
  return null;
};

function checkPart(part: unknown, role: string, p: string): ApiError | null {
  if (!isObj(part)) return badType(p, 'an object', part);
  const allowed = role === 'assistant' ? ASSISTANT_PARTS : USER_PARTS;
  if (!allowed.includes(part.type)) return badValue(p, part.type, allowed);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return typeof part.text === 'string' ? null : missing(`${p}.text`);
    case 'refusal':
      return typeof part.refusal === 'string' ? null : missing(`${p}.refusal`);
    case 'input_image':
      if (part.detail !== undefined && !DETAILS.includes(part.detail))
        return badValue(`${p}.detail`, part.detail, DETAILS);
      if (typeof part.file_id === 'string') return null;
      if (typeof part.image_url !== 'string') return missing(`${p}.image_url`);
      if (!/^(https?:\/\/|data:)/.test(part.image_url))
        return invalid(
          `Invalid '${p}.image_url'. Expected a valid URL, but got a value with an invalid format.`,
          `${p}.image_url`,
          'invalid_value',
        );
      return mediaCheck(checkImageUrl(part.image_url, `${p}.image_url`));
    default: // input_file
      if (typeof part.file_id === 'string' || typeof part.file_url === 'string') return null;
      if (typeof part.file_data !== 'string') return missing(`${p}.file_id`);
      return typeof part.filename === 'string'
        ? fileCheck(checkFileData(part.file_data, `${p}.file_data`))
        : missing(`${p}.filename`);
  }
}

function checkItem(item: unknown, p: string): ApiError | null {
  if (!isObj(item)) return badType(p, 'an object', item);
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
  if (type === undefined) return missing(`${p}.role`);
  if (!ITEM_TYPES.includes(type)) return badValue(`${p}.type`, type, ITEM_TYPES);
  if (type === 'message') {
    if (item.role === undefined) return missing(`${p}.role`);
    if (!ROLES.includes(item.role)) return badValue(`${p}.role`, item.role, ROLES);
    if (item.content === undefined) return missing(`${p}.content`);
    if (typeof item.content === 'string') return null;
    if (!Array.isArray(item.content))
      return badType(`${p}.content`, 'one of a string or array of input content', item.content);
    for (const [j, part] of item.content.entries()) {
      const e = checkPart(part, item.role, `${p}.content[${j}]`);
      if (e) return e;
    }
  }
  if (type === 'mcp_approval_response') {
    if (typeof item.approval_request_id !== 'string') return missing(`${p}.approval_request_id`);
    if (typeof item.approve !== 'boolean') return missing(`${p}.approve`);
  }
  if (type === 'mcp_list_tools' || type === 'mcp_call' || type === 'mcp_approval_request') {
    if (typeof item.id !== 'string') return missing(`${p}.id`);
    if (typeof item.server_label !== 'string') return missing(`${p}.server_label`);
  }
  if (type === 'function_call' || type === 'function_call_output') {
    for (const k of type === 'function_call' ? ['call_id', 'name', 'arguments'] : ['call_id']) {
      if (item[k] === undefined) return missing(`${p}.${k}`);
      if (typeof item[k] !== 'string') return badType(`${p}.${k}`, 'a string', item[k]);
    }
    if (item.call_id.length > 64) return tooLong(`${p}.call_id`, 64, item.call_id.length);
    if (type === 'function_call_output') {
      if (item.output === undefined) return missing(`${p}.output`);
      if (typeof item.output !== 'string' && !Array.isArray(item.output))
        return badType(`${p}.output`, 'one of a string or array of input content', item.output);
    }
  }
  return null;
}

const ctx = (path: (string | number)[]) =>
  `(${path.map((x) => (typeof x === 'number' ? String(x) : `'${x}'`)).join(', ')}${path.length === 1 ? ',' : ''})`;

/** Strict-mode (Structured Outputs) schema rules; returns the API's detail text or null. */
export function strictSchemaProblem(schema: unknown, path: (string | number)[] = []): string | null {
  if (!isObj(schema)) return null;
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if (path.length === 0 && !types.includes('object'))
    return `schema must be a JSON Schema of 'type: "object"', got 'type: "${String(schema.type ?? 'None')}"'.`;
  if (types.includes('object') || isObj(schema.properties)) {
    if (!isObj(schema.properties)) return `In context=${ctx(path)}, object schema missing properties.`;
    if (schema.additionalProperties !== false)
      return `In context=${ctx(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    const req: unknown[] = Array.isArray(schema.required) ? schema.required : [];
    const miss = Object.keys(schema.properties).find((k) => !req.includes(k));
    if (miss !== undefined)
      return `In context=${ctx(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${miss}'.`;
    for (const [k, v] of Object.entries(schema.properties)) {
      const e = strictSchemaProblem(v, [...path, 'properties', k]);
      if (e) return e;
    }
  }
  const children: [unknown, (string | number)[]][] = [];
  if (schema.items) children.push([schema.items, [...path, 'items']]);
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[key]))
      for (const [i, s] of (schema[key] as unknown[]).entries()) children.push([s, [...path, key, i]]);
  for (const key of ['$defs', 'definitions'] as const)
    if (isObj(schema[key])) for (const [k, s] of Object.entries(schema[key])) children.push([s, [...path, key, k]]);
  for (const [s, p] of children) {
    const e = strictSchemaProblem(s, p);
    if (e) return e;
  }
  return null;
}

export interface StoredResponse {
  response: Json;
  input: Json[];
}

/** All call_ids known from a stored chain (calls in its inputs and outputs). */
function chainCallIds(
  id: string | undefined,
  stored: Map<string, StoredResponse>,
  out = new Set<string>(),
): Set<string> {
  const seen = new Set<string>();
  while (id && stored.has(id) && !seen.has(id)) {
    seen.add(id);
    const s = stored.get(id)!;
    for (const it of [...s.input, ...s.response.output]) if (it.type === 'function_call') out.add(it.call_id);
    id = s.response.previous_response_id ?? undefined;
  }
  return out;
}

export function validateCreate(
  body: unknown,
  stored: Map<string, StoredResponse>,
  snapshots?: Record<string, string>,
): ApiError | null {
  if (!isObj(body)) return badType('body', 'an object', body);
  for (const k of Object.keys(body))
    if (!KNOWN_PARAMS.has(k)) return invalid(`Unknown parameter: '${k}'.`, k, 'unknown_parameter');
  if (body.model === undefined || body.model === null) {
    if (!body.prompt) return missing('model');
  } else if (typeof body.model !== 'string') return badType('model', 'a string', body.model);
  else if (!datedModel(body.model, snapshots))
    return invalid(`The requested model '${body.model}' does not exist.`, 'model', 'model_not_found');
  const model: string = body.model ?? '';
  if (body.max_output_tokens != null && (!Number.isInteger(body.max_output_tokens) || body.max_output_tokens < 16))
    return invalid(
      `Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got ${body.max_output_tokens} instead.`,
      'max_output_tokens',
      'integer_below_min_value',
    );
  if (body.metadata != null) {
    if (!isObj(body.metadata)) return badType('metadata', 'an object', body.metadata);
    const entries = Object.entries(body.metadata);
    if (entries.length > 16)
      return invalid(
        `Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with ${entries.length} properties instead.`,
        'metadata',
        'object_above_max_properties',
      );
    for (const [k, v] of entries) {
      if (k.length > 64) return tooLong('metadata', 64, k.length);
      if (typeof v !== 'string') return badType(`metadata.${k}`, 'a string', v);
      if (v.length > 512) return tooLong(`metadata.${k}`, 512, v.length);
    }
  }
  if (body.include != null) {
    if (!Array.isArray(body.include)) return badType('include', 'an array', body.include);
    for (const [i, v] of body.include.entries())
      if (!INCLUDABLE.includes(v)) return badValue(`include[${i}]`, v, INCLUDABLE);
  }
  if (body.top_logprobs != null && (!Number.isInteger(body.top_logprobs) || body.top_logprobs < 0))
    return invalid(
      `Invalid 'top_logprobs': integer below minimum value. Expected a value >= 0, but got ${body.top_logprobs} instead.`,
      'top_logprobs',
      'integer_below_min_value',
    );
  if (body.top_logprobs != null && body.top_logprobs > 20)
    return invalid(
      `Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got ${body.top_logprobs} instead.`,
      'top_logprobs',
      'integer_above_max_value',
    );
  if (typeof body.safety_identifier === 'string' && body.safety_identifier.length > 64)
    return tooLong('safety_identifier', 64, body.safety_identifier.length);
  // Reasoning models refuse sampling parameters (gpt-5.1+ at effort none aside, which the fake does not model).
  for (const param of ['temperature', 'top_p'] as const)
    if (isReasoningModel(model) && body[param] != null && body[param] !== 1)
      return invalid(
        `Unsupported parameter: '${param}' is not supported with this model.`,
        param,
        'unsupported_parameter',
      );
  const effort = body.reasoning?.effort;
  if (isReasoningModel(model) && effort != null && !supportedEfforts(model).includes(effort)) {
    const listed = supportedEfforts(model).map((e) => `'${e}'`);
    return invalid(
      `Unsupported value: 'reasoning.effort' does not support '${effort}' with this model. Supported values are: ${listed.slice(0, -1).join(', ')}, and ${listed.at(-1)}.`,
      'reasoning.effort',
      'unsupported_value',
    );
  }
  const retention = body.prompt_cache_retention;
  if (retention != null && model) {
    // Extended (24h) retention: gpt-4.1 and the gpt-5 / gpt-6 families; gpt-5.5 and later keep 24h only.
    const extended = /^(gpt-4\.1(-\d{4}|$)|gpt-5|gpt-6)/.test(model);
    const only24h = /^(gpt-5\.[5-9]|gpt-6)/.test(model);
    if ((retention === '24h' && !extended) || (retention === 'in_memory' && only24h))
      return invalid(
        `Invalid value for 'prompt_cache_retention': '${retention}' is not supported with this model.`,
        'prompt_cache_retention',
        'unsupported_value',
      );
  }
  if (model && !isReasoningModel(model) && body.reasoning?.summary != null)
    return invalid(
      `Unsupported parameter: 'reasoning.summary' is not supported with this model.`,
      'reasoning.summary',
      'unsupported_parameter',
    );
  if (model && !isReasoningModel(model) && body.reasoning?.effort != null)
    return invalid(
      `Unsupported parameter: 'reasoning.effort' is not supported with this model.`,
      'reasoning.effort',
      'unsupported_parameter',
    );

  const input: unknown[] = typeof body.input === 'string' || body.input == null ? [] : body.input;
  if (body.input != null && typeof body.input !== 'string' && !Array.isArray(body.input))
    return badType('input', 'one of a string or array of input items', body.input);
  Object.assign(media, { imageBytes: 0, images: 0, fileBytes: 0, filePages: 0 });
  for (const [i, item] of input.entries()) {
    const e = checkItem(item, `input[${i}]`);
    if (e) return e;
  }
  const tooBig =
    tooManyImageBytes(media.imageBytes) ??
    tooManyImages(media.images) ??
    tooMuchFileContent(media.fileBytes, media.filePages);
  if (tooBig) return tooBig;

  for (const [i, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    if (isObj(tool) && tool.type === 'mcp') {
      if (typeof tool.server_label !== 'string') return missing(`tools[${i}].server_label`);
      if (typeof tool.server_url !== 'string' && typeof tool.connector_id !== 'string')
        return missing(`tools[${i}].server_url`);
      continue;
    }
    if (!isObj(tool) || tool.type !== 'function') continue;
    if (typeof tool.name !== 'string') return missing(`tools[${i}].name`);
    if (tool.strict === true) {
      const problem =
        strictSchemaProblem(tool.parameters ?? null) ??
        (tool.parameters ? null : `In context=(), object schema missing properties.`);
      if (problem)
        return invalid(
          `Invalid schema for function '${tool.name}': ${problem}`,
          `tools[${i}].parameters`,
          'invalid_function_parameters',
        );
    }
  }
  const fmt = body.text?.format;
  if (isObj(fmt) && fmt.type === 'json_schema') {
    if (typeof fmt.name !== 'string') return missing('text.format.name');
    if (!isObj(fmt.schema)) return missing('text.format.schema');
    const problem = fmt.strict === true ? strictSchemaProblem(fmt.schema) : null;
    if (problem)
      return invalid(
        `Invalid schema for response_format '${fmt.name}': ${problem}`,
        'text.format.schema',
        'invalid_json_schema',
      );
  }

  const prevId: string | undefined = body.previous_response_id ?? undefined;
  if (prevId !== undefined && !stored.has(prevId))
    return invalid(
      `Previous response with id '${prevId}' not found.`,
      'previous_response_id',
      'previous_response_not_found',
    );

  // Tool-call pairing: every output needs an earlier call, every call needs an output.
  const calls = chainCallIds(prevId, stored);
  const answered = new Set<string>();
  for (const item of input as Json[]) {
    if (item.type === 'function_call') calls.add(item.call_id);
    if (item.type === 'function_call_output') {
      if (!calls.has(item.call_id))
        return invalid(`No tool call found for function call output with call_id ${item.call_id}.`, 'input', null);
      answered.add(item.call_id);
    }
  }
  const pending = [
    ...(prevId ? stored.get(prevId)!.response.output.filter((o: Json) => o.type === 'function_call') : []),
    ...(input as Json[]).filter((it) => it.type === 'function_call'),
  ];
  for (const call of pending)
    if (!answered.has(call.call_id))
      return invalid(`No tool output found for function call ${call.call_id}.`, 'input', null);
  return null;
}
