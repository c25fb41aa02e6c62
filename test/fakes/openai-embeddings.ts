// POST /v1/embeddings as OpenAI's OpenAPI document describes it (CreateEmbeddingRequest / CreateEmbeddingResponse):
// input is a string, an array of strings (at most 2,048), or token arrays; `dimensions` only for text-embedding-3
// models; encoding_format float (a JSON list) or base64 (little-endian float32s); usage counts prompt tokens.
// Vectors are deterministic and meaningful enough for retrieval tests: a hashed bag of words (signed buckets,
// L2-normalised), so texts sharing words are close and unrelated texts are nearly orthogonal.
import { createHash } from 'node:crypto';
import { type ApiError, invalid } from './openai-validation.js';
import { tokenize } from './sse.js';

/** Native sizes of the embedding models the fake serves. */
export const EMBEDDING_MODELS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

const MAX_INPUTS = 2048;
const MAX_INPUT_TOKENS = 8192;
const MAX_REQUEST_TOKENS = 300_000;
const PARAMS = new Set(['input', 'model', 'encoding_format', 'dimensions', 'user']);

export interface EmbeddingsAnswer {
  status: number;
  body: unknown;
}

const words = (text: string) => text.toLowerCase().match(/[a-z0-9]+/g) ?? [];

/** The fake's vector of a text: each word adds ±1 to a bucket picked by its hash; then L2-normalised. */
export function fakeEmbedding(text: string, dimensions: number): Float32Array {
  const v = new Float32Array(dimensions);
  for (const w of words(text)) {
    const h = createHash('sha256').update(w).digest();
    v[h.readUInt32LE(0) % dimensions]! += h[4]! & 1 ? 1 : -1;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  // Text without words (punctuation alone) still gets a unit vector, as the real API always returns one.
  if (!norm) {
    v[0] = 1;
    return v;
  }
  for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

const base64 = (v: Float32Array) => {
  const b = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => {
    b.writeFloatLE(x, i * 4);
  });
  return b.toString('base64');
};

const isInts = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

/** Validates like the API (its messages and codes), then answers with the fake vectors. */
export function createEmbeddings(body: any): EmbeddingsAnswer {
  const fail = (e: ApiError): EmbeddingsAnswer => ({ status: e.status, body: { error: e.error } });
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return fail(invalid('The request body must be a JSON object.', null, null));
  for (const key of Object.keys(body))
    if (!PARAMS.has(key)) return fail(invalid(`Unrecognized request argument supplied: ${key}`, null, null));
  if (body.model === undefined) return fail(invalid("Missing required parameter: 'model'.", 'model', null));
  if (body.input === undefined) return fail(invalid("Missing required parameter: 'input'.", 'input', null));
  if (typeof body.model !== 'string') return fail(invalid("'$.model' is invalid.", 'model', null));
  const native = EMBEDDING_MODELS[body.model];
  if (!native)
    return fail(
      invalid(
        `The model \`${body.model}\` does not exist or you do not have access to it.`,
        null,
        'model_not_found',
        404,
      ),
    );
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64')
    return fail(
      invalid(
        `Invalid value: '${String(format)}'. Supported values are: 'float' and 'base64'.`,
        'encoding_format',
        'invalid_value',
      ),
    );
  let dimensions = native;
  if (body.dimensions !== undefined) {
    if (!body.model.startsWith('text-embedding-3'))
      return fail(invalid('This model does not support specifying dimensions.', null, null));
    if (!Number.isInteger(body.dimensions) || body.dimensions < 1 || body.dimensions > native)
      return fail(
        invalid(
          `Invalid value for 'dimensions' = ${String(body.dimensions)}. Must be an integer between 1 and ${native}.`,
          'dimensions',
          null,
        ),
      );
    dimensions = body.dimensions;
  }
  const input = body.input;
  const texts: Array<{ text: string; tokens: number }> = [];
  const invalidInput = () =>
    fail(
      invalid(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        null,
        null,
      ),
    );
  if (typeof input === 'string') {
    if (!input) return invalidInput();
    texts.push({ text: input, tokens: tokenize(input).length });
  } else if (Array.isArray(input)) {
    if (!input.length || input.length > MAX_INPUTS) return invalidInput();
    if (input.every((x) => typeof x === 'string')) {
      if (input.some((x) => !x)) return invalidInput();
      for (const t of input as string[]) texts.push({ text: t, tokens: tokenize(t).length });
    } else if (isInts(input)) texts.push({ text: input.join(' '), tokens: input.length });
    else if (input.every((x) => isInts(x) && x.length > 0))
      for (const ids of input as number[][]) texts.push({ text: ids.join(' '), tokens: ids.length });
    else return invalidInput();
  } else return invalidInput();
  for (const t of texts)
    if (t.tokens > MAX_INPUT_TOKENS)
      return fail(
        invalid(
          `This model's maximum context length is ${MAX_INPUT_TOKENS} tokens, however you requested ${t.tokens} tokens (${t.tokens} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
          null,
          null,
        ),
      );
  const total = texts.reduce((n, t) => n + t.tokens, 0);
  if (total > MAX_REQUEST_TOKENS)
    return fail(
      invalid(
        `Requested ${total} tokens, max ${MAX_REQUEST_TOKENS} tokens per request`,
        null,
        'max_tokens_per_request',
      ),
    );
  return {
    status: 200,
    body: {
      object: 'list',
      data: texts.map((t, index) => {
        const v = fakeEmbedding(t.text, dimensions);
        return { object: 'embedding', index, embedding: format === 'base64' ? base64(v) : Array.from(v) };
      }),
      model: body.model,
      usage: { prompt_tokens: total, total_tokens: total },
    },
  };
}
