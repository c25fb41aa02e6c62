// Wire-level helpers for the fake OpenAI Responses server: ids, SSE framing, the response
// object and its output items, shaped like real streams (see test/fixtures/openai/README.md).
import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlnum(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += ALNUM[bytes[i]! % ALNUM.length];
  return out;
}

/** Real ids: `resp_`/`msg_`/`fc_` + 50 hex chars, `call_` + 24 alnum, `req_` + 32 hex. */
export const ids = {
  response: () => `resp_${randomBytes(25).toString('hex')}`,
  message: () => `msg_${randomBytes(25).toString('hex')}`,
  functionCall: () => `fc_${randomBytes(25).toString('hex')}`,
  fileSearchCall: () => `fs_${randomBytes(25).toString('hex')}`,
  reasoning: () => `rs_${randomBytes(25).toString('hex')}`,
  mcpListTools: () => `mcpl_${randomBytes(25).toString('hex')}`,
  mcpCall: () => `mcp_${randomBytes(25).toString('hex')}`,
  mcpApprovalRequest: () => `mcpr_${randomBytes(25).toString('hex')}`,
  file: () => `file-${randomAlnum(22)}`,
  callId: () => `call_${randomAlnum(24)}`,
  request: () => `req_${randomBytes(16).toString('hex')}`,
};

/**
 * `obfuscation` pads each delta to a multiple of 16 characters: in the recording the
 * deltas `{"` / `city` / `ijing` carry 14 / 12 / 11 random characters.
 */
export function obfuscation(delta: string): string {
  return randomAlnum(16 - (delta.length % 16));
}

/** Alias → dated snapshot the API reports in `response.model`. */
export const MODEL_SNAPSHOTS: Record<string, string> = {
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
  'gpt-5.1': 'gpt-5.1-2025-11-13',
  'gpt-6-luna': 'gpt-6-luna-2026-09-30',
  o3: 'o3-2025-04-16',
  'o3-mini': 'o3-mini-2025-01-31',
  'o4-mini': 'o4-mini-2025-04-16',
};

/** The dated id for a request model, or undefined when the API would answer model_not_found. */
export function datedModel(model: string, snapshots = MODEL_SNAPSHOTS): string | undefined {
  if (snapshots[model]) return snapshots[model];
  const m = /^(.+)-\d{4}-\d{2}-\d{2}$/.exec(model);
  return m && snapshots[m[1]!] ? model : undefined;
}

export const isReasoningModel = (model: string): boolean => /^(o\d|gpt-5|gpt-6)/.test(model);

/**
 * The `reasoning.effort` values each reasoning family accepts, as the API's "Unsupported value" errors list them
 * (the reasoning guide: gpt-5 adds `minimal`, gpt-5.1 replaces it with `none`, gpt-5.2 adds `xhigh`, the gpt-6
 * family starts at `low`). Longest prefix wins.
 */
const EFFORTS: Array<[RegExp, string[]]> = [
  [/^gpt-6/, ['low', 'medium', 'high', 'xhigh', 'max']],
  [/^gpt-5\.[2-9]/, ['none', 'low', 'medium', 'high', 'xhigh']],
  [/^gpt-5\.1/, ['none', 'low', 'medium', 'high']],
  [/^gpt-5/, ['minimal', 'low', 'medium', 'high']],
  [/^o\d/, ['low', 'medium', 'high']],
];

export function supportedEfforts(model: string): string[] {
  return EFFORTS.find(([re]) => re.test(model))?.[1] ?? [];
}

/** The effort a reasoning model uses when the request names none (the API's default: medium; gpt-5.1: none). */
export function defaultEffort(model: string): string {
  return model.startsWith('gpt-5.1') ? 'none' : 'medium';
}

/** Reasoning tokens a reasoning model spends per effort before it writes (a stand-in for real thinking). */
export const REASONING_TOKENS: Record<string, number> = {
  none: 0,
  minimal: 16,
  low: 64,
  medium: 256,
  high: 1024,
  xhigh: 2048,
  max: 4096,
};

export function reasoningItem(id: string, summary: string[]): Json {
  return { id, type: 'reasoning', summary: summary.map((text) => ({ type: 'summary_text', text })) };
}

/** Event JSON as the API writes it today: `type` first, remaining keys alphabetical. */
export function orderEvent(type: string, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { type };
  for (const k of Object.keys(fields).sort()) out[k] = fields[k];
  return out;
}

export function sseFrame(event: Record<string, unknown>): string {
  return `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function chunkText(text: string, size: number): string[] {
  const chars = Array.from(text); // do not split surrogate pairs
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += Math.max(1, size)) out.push(chars.slice(i, i + size).join(''));
  return out;
}

export type Json = Record<string, any>;

export const outputTextPart = (text: string, annotations: Json[] = [], logprobs: Json[] = []): Json => ({
  type: 'output_text',
  annotations,
  logprobs,
  text,
});
export const refusalPart = (refusal: string): Json => ({ type: 'refusal', refusal });

export function messageItem(id: string, status: string, content: Json[]): Json {
  return { id, type: 'message', status, content, role: 'assistant' };
}

export function functionCallItem(id: string, status: string, args: string, callId: string, name: string): Json {
  return { id, type: 'function_call', status, arguments: args, call_id: callId, name };
}

/** Results are left out (null) unless the request asks for `include: ['file_search_call.results']`. */
export function fileSearchCallItem(id: string, status: string, queries: string[]): Json {
  return { id, type: 'file_search_call', status, queries, results: null };
}

export function fileCitation(fileId: string, filename: string, index: number): Json {
  return { type: 'file_citation', file_id: fileId, filename, index };
}

/** `output` includes `reasoning` (the API bills reasoning tokens as output). */
export function usageObject(input: number, cached: number, output: number, reasoning = 0, cacheWrite = 0): Json {
  return {
    input_tokens: input,
    input_tokens_details: { cache_write_tokens: cacheWrite, cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

function echoTool(t: Json): Json {
  if (t?.type !== 'function') return t;
  return {
    type: 'function',
    description: t.description ?? null,
    name: t.name,
    output_schema: t.output_schema ?? null,
    parameters: t.parameters ?? null,
    strict: t.strict ?? true,
  };
}

function echoFormat(f: Json | undefined): Json {
  if (f?.type !== 'json_schema') return f ?? { type: 'text' };
  return {
    type: 'json_schema',
    description: f.description ?? null,
    name: f.name,
    schema: f.schema,
    strict: f.strict ?? false,
  };
}

/** The full response object (key order as recorded), echoing the request's settings. */
export function buildResponse(body: Json, id: string, model: string, createdAt: number): Json {
  const reasoning = isReasoningModel(model)
    ? {
        context: null,
        effort: body.reasoning?.effort ?? defaultEffort(model),
        summary: body.reasoning?.summary ?? null,
      }
    : { context: null, effort: null, summary: null };
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: body.background ?? false,
    completed_at: null,
    error: null,
    frequency_penalty: body.frequency_penalty ?? 0,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: body.max_tool_calls ?? null,
    model,
    moderation: null,
    output: [],
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    presence_penalty: body.presence_penalty ?? 0,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: body.prompt_cache_key ?? null,
    prompt_cache_retention: body.prompt_cache_retention ?? 'in_memory',
    reasoning,
    safety_identifier: body.safety_identifier ?? null,
    service_tier: body.service_tier ?? 'auto',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: echoFormat(body.text?.format), verbosity: body.text?.verbosity ?? 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tool_usage: {
      image_gen: {
        input_tokens: 0,
        input_tokens_details: { image_tokens: 0, text_tokens: 0 },
        output_tokens: 0,
        output_tokens_details: { image_tokens: 0, text_tokens: 0 },
        total_tokens: 0,
      },
      web_search: { num_requests: 0 },
    },
    tools: Array.isArray(body.tools) ? body.tools.map(echoTool) : [],
    top_logprobs: body.top_logprobs ?? 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? 'disabled',
    usage: null,
    user: body.user ?? null,
    metadata: body.metadata ?? {},
  };
}

/** Rough token estimate: text chars / 4, plus 85 per image. */
export function estimateTokens(body: Json): number {
  let chars = typeof body.instructions === 'string' ? body.instructions.length : 0;
  let images = 0;
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string') {
      if (['text', 'arguments', 'output', 'refusal', 'content', 'input'].includes(key)) chars += v.length;
    } else if (Array.isArray(v)) for (const x of v) walk(x, key);
    else if (v && typeof v === 'object') {
      if ((v as Json).type === 'input_image') images++;
      else for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(body.input, 'input');
  return Math.ceil(chars / 4) + 85 * images;
}

/**
 * Text cut into tokens roughly as a BPE tokenizer does: a word with its leading space, a number, or a run of
 * punctuation. `{"answerable":true}` → `{"`, `answer`, `able`, `":`, `true`, `}`: a JSON value is its own token.
 */
export function tokenize(text: string): string[] {
  return text.match(/ ?[A-Za-z]{1,6}| ?\d{1,3}|\s+|[^\sA-Za-z\d]{1,2}/g) ?? [];
}

/**
 * What the model "considered" at a token: alternatives with their probabilities (the emitted token included).
 * A token without an entry was certain (logprob 0).
 */
export type TokenAlternatives = Record<string, Record<string, number>>;

interface TokenLogprob {
  token: string;
  logprob: number;
  top: Array<{ token: string; logprob: number }>;
}

/**
 * The log-probabilities of each token, with `topN` alternatives, most likely first, as the API reports them
 * (`top_logprobs` entries always number `topN`; the tail is filled with unlikely tokens, never with zero).
 */
export function tokenLogprobs(tokens: string[], topN: number, alternatives: TokenAlternatives = {}): TokenLogprob[] {
  return tokens.map((token, i) => {
    const dist = alternatives[token.trim()] ?? { [token.trim()]: 1 };
    const own = dist[token.trim()] ?? 1e-9;
    const ranked = Object.entries(dist)
      .sort((a, b) => b[1] - a[1])
      .map(([t, p]) => ({ token: token.startsWith(' ') ? ` ${t}` : t, logprob: Math.log(Math.max(p, 1e-12)) }));
    while (ranked.length < topN) ranked.push({ token: `<filler${i}_${ranked.length}>`, logprob: -20 - ranked.length });
    return { token, logprob: Math.log(own), top: ranked.slice(0, topN) };
  });
}

const bytesOf = (t: string) => [...Buffer.from(t, 'utf8')];

/** Stream events' shape (`ResponseLogProb`: no bytes). */
export const streamLogprob = (l: TokenLogprob): Json => ({
  token: l.token,
  logprob: l.logprob,
  top_logprobs: l.top.map((t) => ({ token: t.token, logprob: t.logprob })),
});

/** The final content part's shape (`LogProb`: bytes on the token and on every alternative). */
export const partLogprob = (l: TokenLogprob): Json => ({
  token: l.token,
  bytes: bytesOf(l.token),
  logprob: l.logprob,
  top_logprobs: l.top.map((t) => ({ token: t.token, bytes: bytesOf(t.token), logprob: t.logprob })),
});
