import OpenAI from 'openai';
import type { Logger } from 'pino';
import { z } from 'zod';
import { backoffMs } from '../../lib/backoff.js';
import { withRetry } from '../../lib/retry.js';
import { retryAfterMs } from '../../lib/retry-after.js';

/** Turns texts into vectors; `undefined` when the server has no embeddings (the caller then searches without them). */
export interface Embedder {
  /** The model and dimensions: vectors of one space compare; stored ones of another are embedded again. */
  readonly space: string;
  /** False once the server showed it has no embeddings: nothing more is asked of it. */
  readonly available: boolean;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[] | undefined>;
}

export interface EmbedderOptions {
  model: string;
  /** Asked of text-embedding-3 models; unset: the model's own size. */
  dimensions?: number;
  /** Inputs per request (the API takes at most 2,048). */
  batchSize?: number;
  /** Characters per request, under the API's 300,000 tokens summed over the inputs even at a token a character. */
  batchChars?: number;
  attempts?: number;
  timeoutMs?: number;
  /** Told the tokens of every answered request, for the price table and the metrics. */
  onUsage?: (model: string, promptTokens: number) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

// base64 is what the SDK asks for by default too: a quarter of the bytes of a JSON float list.
const responseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.string() })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number().int().min(0) }),
});

// Under the API's 8,192 tokens per input even where a character is a token (CJK), so no 400 for a long passage.
const MAX_INPUT_CHARS = 6_000;

/** Little-endian float32s, as the API encodes them. */
function decode(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4) throw new Error('an embedding is not a whole number of float32 values');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** Groups texts into requests of at most `size` inputs and about `chars` characters. */
export function batches(texts: readonly string[], size: number, chars: number): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const t of texts) {
    if (current.length && (current.length >= size || length + t.length > chars)) {
      out.push(current);
      current = [];
      length = 0;
    }
    current.push(t);
    length += t.length;
  }
  if (current.length) out.push(current);
  return out;
}

const retryable = (err: Error) =>
  err instanceof OpenAI.RateLimitError ||
  err instanceof OpenAI.InternalServerError ||
  err instanceof OpenAI.APIConnectionError;

/**
 * `POST /embeddings` at `OPENAI_BASE_URL`: batched, retried on 429/5xx/connection errors (honouring Retry-After).
 * A server that answers 404 or 400 has no such endpoint or model: that is said once in the log and the embedder
 * stays off for the life of the process, so searches go on with BM25 alone.
 */
export class OpenAIEmbedder implements Embedder {
  private unavailable = false;
  readonly space: string;

  constructor(
    private readonly client: OpenAI,
    private readonly o: EmbedderOptions,
    private readonly log: Logger,
  ) {
    this.space = `${o.model}/${o.dimensions ?? 'native'}`;
  }

  get available(): boolean {
    return !this.unavailable;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[] | undefined> {
    if (this.unavailable) return undefined;
    if (!texts.length) return [];
    const out: Float32Array[] = [];
    // A passage longer than that is embedded by its start.
    const inputs = texts.map((t) => t.slice(0, MAX_INPUT_CHARS));
    for (const batch of batches(inputs, this.o.batchSize ?? 256, this.o.batchChars ?? 200_000)) {
      const vectors = await this.request(batch, signal);
      if (!vectors) return undefined;
      out.push(...vectors);
    }
    return out;
  }

  private async request(input: string[], signal?: AbortSignal): Promise<Float32Array[] | undefined> {
    try {
      const raw = await withRetry(
        () =>
          this.client.embeddings.create(
            {
              model: this.o.model,
              input,
              encoding_format: 'base64',
              ...(this.o.dimensions ? { dimensions: this.o.dimensions } : {}),
            },
            { timeout: this.o.timeoutMs ?? 30_000, ...(signal ? { signal } : {}) },
          ),
        {
          attempts: this.o.attempts ?? 3,
          delayFor: (err, attempt) =>
            retryable(err)
              ? (retryAfterMs(err instanceof OpenAI.APIError ? err.headers : undefined) ?? backoffMs(attempt - 1))
              : undefined,
          onRetry: (err, attempt, delayMs) =>
            this.log.info({ attempt, delay_ms: delayMs, error: err.message }, 'embeddings request failed; retrying'),
          ...(signal ? { signal } : {}),
          ...(this.o.sleep ? { sleep: this.o.sleep } : {}),
        },
      );
      const parsed = responseSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`unexpected embeddings response: ${parsed.error.issues[0]?.message}`);
      const { data, usage, model } = parsed.data;
      if (data.length !== input.length)
        throw new Error(`the embeddings response has ${data.length} vectors for ${input.length} inputs`);
      this.o.onUsage?.(model, usage.prompt_tokens);
      const vectors = new Array<Float32Array>(input.length);
      for (const d of data) vectors[d.index] = decode(d.embedding);
      if (vectors.some((v) => !v)) throw new Error('the embeddings response skips an input');
      return vectors;
    } catch (err) {
      if (err instanceof OpenAI.NotFoundError || err instanceof OpenAI.BadRequestError) {
        this.unavailable = true;
        this.log.warn(
          { status: err.status, model: this.o.model, error: err.message },
          'the OpenAI server has no embeddings for this model; knowledge search uses BM25 alone',
        );
        return undefined;
      }
      throw err;
    }
  }
}
