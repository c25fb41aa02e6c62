// A faithful fake of the OpenAI Responses API HTTP server for tests (real sockets, real SSE).
// Wire format: OpenAI's OpenAPI document and SDK types, as written down in test/fixtures/openai/*.sse; checked
// against recordings of real streams where those exist beside the repository (openai-server.test.ts).
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FakeBatches, type FakeBatchesOptions, type FakeReply } from './openai-batches.js';
import { createEmbeddings } from './openai-embeddings.js';
import { type Admission, admit, authenticate, type ProfileName } from './openai-profiles.js';
import { type ApiError, invalid, type StoredResponse, validateCreate } from './openai-validation.js';
import {
  buildResponse,
  chunkText,
  datedModel,
  estimateTokens,
  fileCitation,
  fileSearchCallItem,
  functionCallItem,
  ids,
  type Json,
  MODEL_SNAPSHOTS,
  messageItem,
  obfuscation,
  orderEvent,
  outputTextPart,
  partLogprob,
  REASONING_TOKENS,
  reasoningItem,
  refusalPart,
  sseFrame,
  streamLogprob,
  type TokenAlternatives,
  tokenize,
  tokenLogprobs,
  usageObject,
} from './sse.js';

type Usage = Partial<{
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cache_write_tokens: number;
}>;
/** Optional pacing/usage knobs accepted by every answer-producing script. */
type Pace = {
  chunkSize?: number;
  firstTokenDelayMs?: number;
  deltaDelayMs?: number;
  model?: string;
  usage?: Usage;
  /**
   * Log-probabilities, reported only when the request asks (`include: ["message.output_text.logprobs"]`): per
   * token (trimmed), the alternatives with their probabilities; tokens not listed were certain.
   */
  logprobs?: TokenAlternatives;
  /** The answer waits for this (a test's signal) before anything is sent, streaming or not. */
  hold?: Promise<void>;
};
type ErrorBody = { type: string; code: string | null; message: string; param?: string | null };

export type Script =
  | ({
      kind: 'text';
      text: string;
      status?: 'completed' | 'incomplete';
      incompleteReason?: 'max_output_tokens' | 'content_filter';
    } & Pace)
  | ({
      kind: 'function_calls';
      calls: Array<{ name: string; arguments: string; call_id?: string }>;
      text?: string;
    } & Pace)
  | ({ kind: 'json'; value: unknown } & Pace)
  | ({ kind: 'refusal'; refusal: string } & Pace)
  /**
   * Hosted file_search, when the request offered it: a file_search_call item, then the text with one
   * file_citation per entry (annotation events, repeated in the final output). Without the tool it is plain text.
   */
  | ({
      kind: 'file_search';
      queries: string[];
      text: string;
      citations: Array<{ filename: string; file_id?: string }>;
    } & Pace)
  /**
   * Hosted MCP, as OpenAI runs it when the request offers an `mcp` tool with this server_label: the server's tools
   * are listed (an mcp_list_tools item, unless the input already carries one for the label), then each call runs
   * (an mcp_call item) when require_approval lets it run without approval or the input approves it; otherwise the
   * response ends with an mcp_approval_request item for it. A call the input denied does not run. Then the text.
   */
  | ({
      kind: 'mcp';
      server: string;
      tools: Array<{ name: string; description?: string; input_schema?: Json; annotations?: Json }>;
      calls: Array<{ name: string; arguments: string; output: string }>;
      text?: string;
    } & Pace)
  | {
      kind: 'http_error';
      status: number;
      error: { message: string; type: string; code: string | null; param?: string | null };
      headers?: Record<string, string>;
    }
  | ({ kind: 'stream_error'; afterText?: string; error: ErrorBody } & Pace)
  | ({ kind: 'stall'; afterText?: string } & Pace)
  | ({ kind: 'reset'; afterText?: string } & Pace);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: any;
  at: number;
  /** Body fields the server profile dropped without an error (see openai-profiles.ts). */
  ignoredParams?: string[];
}

export interface FakeOpenAIOptions {
  /** Bearer token the fake accepts (default 'sk-test-fake'); anything else → 401 invalid_api_key. */
  apiKey?: string;
  /** Overrides for the x-ratelimit-* headers (keys are header names). */
  rateLimitHeaders?: Partial<Record<string, string>>;
  /** Append `data: [DONE]` after the last event (the real API does not). */
  sendDone?: boolean;
  /** Extra alias → dated snapshot entries accepted as `model`. */
  models?: Record<string, string>;
  /** Behave like this OpenAI-compatible server (what it reads, drops, refuses; how it authenticates). */
  profile?: ProfileName;
  /** Azure profile: deployment name → the model snapshot behind it. */
  deployments?: Record<string, string>;
  /**
   * Enforce per-minute limits like the real API: a request costs its estimated input plus max_output_tokens
   * (default 4096) at admission, buckets refill continuously, and a request that does not fit gets a 429
   * `rate_limit_exceeded` with retry-after. The x-ratelimit-* headers then report these buckets.
   */
  limits?: { tokensPerMinute?: number; requestsPerMinute?: number };
  /** Pace of the Files/Batches API (see openai-batches.ts). */
  batches?: FakeBatchesOptions;
  /**
   * `shutdown_date` per model id (alias or snapshot) in GET /v1/models/{id}: a date, or null for "not announced".
   * Models left out answer without the field, as older API versions did.
   */
  shutdownDates?: Record<string, string | null>;
  /** Reasoning models think before their first token: this many ms per 1,000 reasoning tokens (default 0). */
  thinkingMsPerKiloToken?: number;
  /**
   * false: no POST /v1/embeddings route, answered with the 404 of any unknown URL, like an OpenAI-compatible
   * server without embeddings (also switchable later through `embeddingsServed`).
   */
  embeddings?: boolean;
}

/** OpenAI's reset format: "6m0s", "1.5s", "120ms". */
export function formatReset(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Number(((ms - m * 60_000) / 1000).toFixed(3))}s`;
}

/** A per-minute budget refilling continuously, as OpenAI's limits behave. */
class MinuteBucket {
  private available: number;
  private at = Date.now();
  constructor(readonly limit: number) {
    this.available = limit;
  }
  level(now = Date.now()): number {
    return Math.min(this.limit, this.available + ((now - this.at) * this.limit) / 60_000);
  }
  take(n: number, now = Date.now()): void {
    this.available = this.level(now) - n;
    this.at = now;
  }
  msUntil(n: number, now = Date.now()): number {
    return Math.max(0, ((n - this.level(now)) * 60_000) / this.limit);
  }
  resetMs(now = Date.now()): number {
    return ((this.limit - this.level(now)) * 60_000) / this.limit;
  }
}

/** `created` as the API reports it for a few models (seconds); others get gpt-4o's. */
const MODEL_CREATED: Record<string, number> = {
  'gpt-4o': 1715367049,
  'gpt-4o-mini': 1721172741,
  'gpt-4.1': 1744316542,
  'gpt-5': 1754425777,
  'gpt-6-luna': 1790000000,
};

const unparsable = invalid(
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
  null,
  null,
);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class FakeOpenAI {
  readonly requests: RecordedRequest[] = [];
  private queue: Script[] = [];
  private fallback: (req: RecordedRequest) => Script = () => ({ kind: 'text', text: 'Hello from the fake model.' });
  private server?: Server;
  private sockets = new Set<Socket>();
  private stored = new Map<string, StoredResponse>();
  private waiters: Array<() => void> = [];
  private remainingRequests = 5000;
  private remainingTokens = 800_000;
  private readonly apiKey: string;
  private readonly snapshots: Record<string, string>;
  private readonly tokenBucket?: MinuteBucket;
  private readonly requestBucket?: MinuteBucket;
  /** POST /v1/responses being answered right now, and the most there ever were at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** 429s sent because a per-minute limit was exceeded. */
  rateLimited = 0;
  /** Files and Batches; batch requests take their answers from the same script queue as /v1/responses. */
  readonly batches: FakeBatches;
  /** Whether POST /v1/embeddings exists (see FakeOpenAIOptions.embeddings). */
  embeddingsServed: boolean;
  /** Errors the next embeddings requests get, one each, before the fake answers normally again. */
  private embeddingFailures: Array<{ status: number; error: ErrorBody; headers?: Record<string, string> }> = [];

  constructor(private readonly opts: FakeOpenAIOptions = {}) {
    this.apiKey = opts.apiKey ?? 'sk-test-fake';
    this.embeddingsServed = opts.embeddings ?? true;
    this.snapshots = { ...MODEL_SNAPSHOTS, ...opts.models };
    if (opts.limits?.tokensPerMinute) this.tokenBucket = new MinuteBucket(opts.limits.tokensPerMinute);
    if (opts.limits?.requestsPerMinute) this.requestBucket = new MinuteBucket(opts.limits.requestsPerMinute);
    this.batches = new FakeBatches(
      (body) =>
        this.queue.shift() ??
        this.fallback({ method: 'POST', path: '/v1/responses', headers: {}, body, at: Date.now() }),
      this.snapshots,
      opts.batches,
    );
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    server.on('connection', (s) => {
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /**
   * From now on the model (its alias and every snapshot) is shut down: requests naming it get the API's 400
   * model_not_found, GET /v1/models/{id} its 404, as for a model that never existed.
   */
  retire(alias: string): void {
    delete this.snapshots[alias];
  }

  enqueue(...scripts: Script[]): void {
    this.queue.push(...scripts);
  }

  setDefault(fn: (req: RecordedRequest) => Script): void {
    this.fallback = fn;
  }

  /** The next embeddings requests fail with these (a 429 with retry-after, a 500), in order. */
  failEmbeddings(...failures: Array<{ status: number; error: ErrorBody; headers?: Record<string, string> }>): void {
    this.embeddingFailures.push(...failures);
  }

  embeddingsRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/embeddings');
  }

  responsesRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path === '/v1/responses');
  }

  /** Calls `fn` on each request the fake receives; returns an unsubscribe. */
  watch(fn: () => void): () => void {
    this.waiters.push(fn);
    return () => {
      this.waiters = this.waiters.filter((w) => w !== fn);
    };
  }

  /** Resolves once at least n POST /v1/responses requests were received. */
  waitForRequests(n: number, timeoutMs = 45_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => this.responsesRequests().length >= n;
      if (check()) return resolve();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`waitForRequests(${n}): only ${this.responsesRequests().length} after ${timeoutMs}ms`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private headers(startedAt: number, extra: Record<string, string> = {}): Record<string, string> {
    const t = this.tokenBucket;
    const r = this.requestBucket;
    const enforced: Record<string, string> = {
      ...(t
        ? {
            'x-ratelimit-limit-tokens': String(t.limit),
            'x-ratelimit-remaining-tokens': String(Math.max(0, Math.floor(t.level()))),
            'x-ratelimit-reset-tokens': formatReset(t.resetMs()),
          }
        : {}),
      ...(r
        ? {
            'x-ratelimit-limit-requests': String(r.limit),
            'x-ratelimit-remaining-requests': String(Math.max(0, Math.floor(r.level()))),
            'x-ratelimit-reset-requests': formatReset(r.resetMs()),
          }
        : {}),
    };
    return {
      'x-request-id': ids.request(),
      'openai-processing-ms': String(Math.max(1, Date.now() - startedAt)),
      'openai-version': '2020-10-01',
      'x-ratelimit-limit-requests': '5000',
      'x-ratelimit-remaining-requests': String(this.remainingRequests),
      'x-ratelimit-limit-tokens': '800000',
      'x-ratelimit-remaining-tokens': String(this.remainingTokens),
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-reset-tokens': '6m0s',
      ...enforced,
      ...(this.opts.rateLimitHeaders as Record<string, string> | undefined),
      ...extra,
    };
  }

  private sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    startedAt: number,
    extra?: Record<string, string>,
  ) {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, { ...this.headers(startedAt, extra), 'content-type': 'application/json' });
    res.end(text);
  }

  private sendError(res: ServerResponse, e: ApiError, startedAt: number, extra?: Record<string, string>) {
    const { message, type, param, code } = e.error; // key order as the API writes it
    this.sendJson(res, e.status, { error: { message, type, param: param ?? null, code } }, startedAt, extra);
  }

  /** OpenAI's own API key check, with its exact messages. */
  private authenticate(auth: string | undefined): Admission | null {
    if (!auth?.startsWith('Bearer ') || !auth.slice(7).trim()) {
      const msg =
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.";
      return {
        ok: false,
        status: 401,
        body: { error: { message: msg, type: 'invalid_request_error', param: null, code: null } },
      };
    }
    const key = auth.slice(7).trim();
    if (key === this.apiKey) return null;
    const masked = key.length > 8 ? `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}` : key;
    const msg = `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`;
    return {
      ok: false,
      status: 401,
      body: { error: { message: msg, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBytes = Buffer.concat(chunks);
    const raw = rawBytes.toString('utf8');
    let body: any;
    let parseFailed = false;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      parseFailed = true;
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    this.requests.push({ method, path, headers: req.headers, body, at: startedAt });
    for (const w of [...this.waiters]) w();

    const profile = this.opts.profile ?? 'openai';
    const refused =
      profile === 'openai'
        ? this.authenticate(req.headers.authorization)
        : authenticate(profile, req.headers, this.apiKey);
    if (refused && !refused.ok) return this.sendJson(res, refused.status, refused.body, startedAt);
    const route = `${method} ${path}`;
    if (this.batches.handles(path))
      return this.sendBatches(
        res,
        await this.batches.handle(method, path, String(req.headers['content-type'] ?? ''), rawBytes),
        startedAt,
      );
    if (route === 'POST /v1/embeddings' && this.embeddingsServed)
      return this.sendEmbeddings(res, body, parseFailed, startedAt);
    const modelId = method === 'GET' && /^\/v1\/models\/([^/]+)$/.exec(path)?.[1];
    // Compatible servers differ here; the profiles stand for those without the route (a 404, like any unknown URL).
    if (modelId && profile === 'openai') return this.sendModel(res, decodeURIComponent(modelId), startedAt);
    if (route !== 'POST /v1/responses' && route !== 'POST /v1/responses/input_tokens')
      return this.sendError(res, invalid(`Invalid URL (${route})`, null, null, 404), startedAt);
    if (parseFailed) return this.sendError(res, unparsable, startedAt);
    if (path === '/v1/responses/input_tokens') {
      const e = validateCreate({ ...body, model: body?.model ?? 'gpt-4o' }, this.stored, this.snapshots);
      if (e) return this.sendError(res, e, startedAt);
      return this.sendJson(
        res,
        200,
        { object: 'response.input_tokens', input_tokens: estimateTokens(body ?? {}) },
        startedAt,
      );
    }
    this.remainingRequests = Math.max(0, this.remainingRequests - 1);
    const admitted = admit(profile, body ?? {}, { apiKey: this.apiKey, deployments: this.opts.deployments ?? {} });
    if (!admitted.ok) return this.sendJson(res, admitted.status, admitted.body, startedAt);
    body = admitted.body;
    this.requests.at(-1)!.ignoredParams = admitted.ignored;
    const err = validateCreate(body, this.stored, this.snapshots);
    if (err) return this.sendError(res, err, startedAt);
    const limited = this.admit(body);
    if (limited) {
      this.rateLimited++;
      return this.sendError(res, limited.error, startedAt, {
        'retry-after': String(Math.max(1, Math.ceil(limited.waitMs / 1000))),
      });
    }
    const recorded = this.requests.at(-1)!;
    const script = this.queue.shift() ?? this.fallback(recorded);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.once('close', () => this.inFlight--);
    await this.respond(req, res, body, script, startedAt);
  }

  /** POST /v1/embeddings: a queued failure, else the fake's vectors (openai-embeddings.ts). */
  private sendEmbeddings(res: ServerResponse, body: unknown, parseFailed: boolean, startedAt: number) {
    if (parseFailed) return this.sendError(res, unparsable, startedAt);
    const failure = this.embeddingFailures.shift();
    if (failure)
      return this.sendError(
        res,
        { status: failure.status, error: { ...failure.error, param: failure.error.param ?? null } },
        startedAt,
        failure.headers,
      );
    this.remainingRequests = Math.max(0, this.remainingRequests - 1);
    const answer = createEmbeddings(body);
    return this.sendJson(res, answer.status, answer.body, startedAt);
  }

  /** GET /v1/models/{id}: the model object for a known model (alias or dated snapshot), else model_not_found. */
  private sendModel(res: ServerResponse, id: string, startedAt: number) {
    if (!datedModel(id, this.snapshots))
      return this.sendError(
        res,
        invalid(`The model '${id}' does not exist or you do not have access to it.`, null, 'model_not_found', 404),
        startedAt,
      );
    const dates = this.opts.shutdownDates ?? {};
    const alias = id.replace(/-\d{4}-\d{2}-\d{2}$/, '');
    const date = id in dates ? dates[id] : dates[alias];
    this.sendJson(
      res,
      200,
      {
        id,
        object: 'model',
        created: MODEL_CREATED[alias] ?? 1715367049,
        owned_by: 'system',
        ...(date !== undefined ? { shutdown_date: date } : {}),
      },
      startedAt,
    );
  }

  /** Per-minute limits, when enforced: takes the request's cost, or says why and for how long it must wait. */
  private admit(body: Json): { error: ApiError; waitMs: number } | undefined {
    const t = this.tokenBucket;
    const r = this.requestBucket;
    const cost = estimateTokens(body) + (typeof body.max_output_tokens === 'number' ? body.max_output_tokens : 4096);
    const model = String(body.model);
    const fail = (kind: 'tokens' | 'requests', b: MinuteBucket, need: number) => {
      const waitMs = b.msUntil(need);
      const unit = kind === 'tokens' ? 'TPM' : 'RPM';
      const message = `Rate limit reached for ${model} in organization org-fake on ${kind} per min (${unit}): Limit ${b.limit}, Used ${Math.ceil(b.limit - b.level())}, Requested ${need}. Please try again in ${formatReset(waitMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
      return {
        error: { status: 429, error: { message, type: kind, param: null, code: 'rate_limit_exceeded' } },
        waitMs,
      };
    };
    if (r && r.level() < 1) return fail('requests', r, 1);
    if (t && t.level() < cost) return fail('tokens', t, cost);
    r?.take(1);
    t?.take(cost);
    return undefined;
  }

  private sendBatches(res: ServerResponse, reply: FakeReply, startedAt: number) {
    if ('error' in reply) return this.sendError(res, reply.error, startedAt);
    if ('json' in reply) return this.sendJson(res, reply.status, reply.json, startedAt);
    res.writeHead(200, {
      ...this.headers(startedAt),
      'content-type': 'application/octet-stream',
      'content-length': String(reply.bytes.length),
    });
    res.end(reply.bytes);
  }

  // ---------------------------------------------------------------- scripted answers

  private async respond(req: IncomingMessage, res: ServerResponse, body: Json, script: Script, startedAt: number) {
    if (script.kind === 'http_error')
      return this.sendError(
        res,
        { status: script.status, error: { ...script.error, param: script.error.param ?? null } },
        startedAt,
        script.headers,
      );

    const pace: Pace = script;
    await pace.hold;
    const createdAt = Math.floor(Date.now() / 1000);
    const model = pace.model ?? datedModel(body.model, this.snapshots) ?? body.model;
    const resp = buildResponse(body, ids.response(), model, createdAt);
    const streaming = body.stream === true;
    const obfuscate = body.stream_options?.include_obfuscation !== false;
    const chunkSize = pace.chunkSize ?? 4;
    // With logprobs asked for, every delta is one token carrying its own log-probability, as the API streams them.
    const withLogprobs = Array.isArray(body.include) && body.include.includes('message.output_text.logprobs');
    const topN: number = body.top_logprobs ?? 0;
    let closed = false;
    res.on('close', () => (closed = true));
    let seq = 0;
    const emit = (type: string, fields: Json) => {
      if (!streaming || closed) return;
      res.write(sseFrame(orderEvent(type, { ...fields, sequence_number: seq++ })));
    };
    const wait = async (ms: number | undefined) => {
      if (streaming && ms && ms > 0 && !closed) await sleep(ms);
    };
    let firstDelta = true;
    const pacedDelta = async (type: string, fields: Json, delta: string) => {
      await wait(firstDelta ? 0 : pace.deltaDelayMs);
      firstDelta = false;
      emit(type, obfuscate ? { ...fields, delta, obfuscation: obfuscation(delta) } : { ...fields, delta });
    };

    if (streaming) {
      res.writeHead(200, {
        ...this.headers(startedAt),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      });
      res.flushHeaders();
    }
    emit('response.created', { response: resp });
    emit('response.in_progress', { response: resp });
    if (script.kind === 'reset' && !script.afterText) return this.reset(req, res);
    await wait(pace.firstTokenDelayMs);

    const output: Json[] = [];
    // Reasoning models think first: a reasoning item (with a summary only when one was asked for), then the answer.
    const reasoningTokens =
      resp.reasoning.effort != null
        ? (pace.usage?.reasoning_tokens ?? REASONING_TOKENS[resp.reasoning.effort] ?? 0)
        : 0;
    // At effort `none` there is no reasoning item at all (as the recorded gpt-5.1 streams show).
    if (resp.reasoning.effort != null && resp.reasoning.effort !== 'none') {
      // Thinking takes its time whether the answer streams or comes whole.
      const thinkMs = ((this.opts.thinkingMsPerKiloToken ?? 0) * reasoningTokens) / 1000;
      if (thinkMs > 0 && !closed) await sleep(thinkMs);
      const oi = output.length;
      const id = ids.reasoning();
      const summary = body.reasoning?.summary
        ? ['**Thinking it through**\n\nReading the question and what the thread says.']
        : [];
      emit('response.output_item.added', { item: reasoningItem(id, []), output_index: oi });
      for (const [si, text] of summary.entries()) {
        const base = { item_id: id, output_index: oi, summary_index: si };
        emit('response.reasoning_summary_part.added', { ...base, part: { type: 'summary_text', text: '' } });
        for (const piece of chunkText(text, chunkSize))
          emit(
            'response.reasoning_summary_text.delta',
            obfuscate ? { ...base, delta: piece, obfuscation: obfuscation(piece) } : { ...base, delta: piece },
          );
        emit('response.reasoning_summary_text.done', { ...base, text });
        emit('response.reasoning_summary_part.done', { ...base, part: { type: 'summary_text', text } });
      }
      const item = reasoningItem(id, summary);
      emit('response.output_item.done', { item, output_index: oi });
      output.push(item);
    }
    let outputText = '';
    const streamMessage = async (
      text: string,
      kind: 'text' | 'refusal',
      status = 'completed',
      finish = true,
      annotations: Json[] = [],
    ) => {
      const oi = output.length;
      const id = ids.message();
      const isText = kind === 'text';
      emit('response.output_item.added', { item: messageItem(id, 'in_progress', []), output_index: oi });
      const base = { content_index: 0, item_id: id, output_index: oi };
      emit('response.content_part.added', { ...base, part: isText ? outputTextPart('') : refusalPart('') });
      const logprobs = isText && withLogprobs ? tokenLogprobs(tokenize(text), topN, pace.logprobs) : undefined;
      const pieces = logprobs ? logprobs.map((l) => [l.token, [streamLogprob(l)]] as const) : undefined;
      for (const [piece, lp] of pieces ?? chunkText(text, chunkSize).map((c) => [c, []] as const)) {
        if (closed) return;
        if (isText) await pacedDelta('response.output_text.delta', { ...base, logprobs: lp }, piece);
        else await pacedDelta('response.refusal.delta', base, piece);
      }
      if (!finish) return;
      for (const [i, annotation] of annotations.entries())
        emit('response.output_text.annotation.added', { ...base, annotation, annotation_index: i });
      const part = isText ? outputTextPart(text, annotations, logprobs?.map(partLogprob)) : refusalPart(text);
      emit(
        isText ? 'response.output_text.done' : 'response.refusal.done',
        isText ? { ...base, logprobs: logprobs?.map(streamLogprob) ?? [], text } : { ...base, refusal: text },
      );
      emit('response.content_part.done', { ...base, part });
      const item = messageItem(id, status, [part]);
      emit('response.output_item.done', { item, output_index: oi });
      output.push(item);
      if (isText) outputText += text;
    };

    if (script.kind === 'stall' || script.kind === 'reset' || script.kind === 'stream_error') {
      if (script.afterText) await streamMessage(script.afterText, 'text', 'in_progress', false);
      if (script.kind === 'reset') return this.reset(req, res);
      if (script.kind === 'stall') return; // keep the socket open until the client aborts or close()
      const error = {
        type: script.error.type,
        code: script.error.code,
        message: script.error.message,
        param: script.error.param ?? null,
      };
      if (!streaming) {
        const status =
          error.type === 'invalid_request_error'
            ? 400
            : /quota|rate_limit/.test(String(error.code ?? error.type))
              ? 429
              : 500;
        return this.sendError(res, { status, error }, startedAt);
      }
      emit('error', { error });
      // response.error.code is never null (spec ResponseError); a code-less error event reports its type there.
      const failed = { ...resp, status: 'failed', error: { code: error.code ?? error.type, message: error.message } };
      this.store(body, failed);
      emit('response.failed', { response: failed });
      return this.finish(res);
    }

    let status = 'completed';
    let incompleteReason: string | undefined;
    if (script.kind === 'text') {
      status = script.status ?? 'completed';
      if (status === 'incomplete') incompleteReason = script.incompleteReason ?? 'max_output_tokens';
      await streamMessage(script.text, 'text', status);
    } else if (script.kind === 'json') {
      await streamMessage(JSON.stringify(script.value), 'text');
    } else if (script.kind === 'refusal') {
      await streamMessage(script.refusal, 'refusal');
    } else if (script.kind === 'file_search') {
      const offered = Array.isArray(body.tools) && body.tools.some((t: Json) => t?.type === 'file_search');
      if (offered) {
        const oi = output.length;
        const id = ids.fileSearchCall();
        emit('response.output_item.added', { item: fileSearchCallItem(id, 'in_progress', []), output_index: oi });
        for (const phase of ['in_progress', 'searching', 'completed'])
          emit(`response.file_search_call.${phase}`, { item_id: id, output_index: oi });
        const item = fileSearchCallItem(id, 'completed', script.queries);
        emit('response.output_item.done', { item, output_index: oi });
        output.push(item);
      }
      const citations = offered
        ? script.citations.map((c) => fileCitation(c.file_id ?? ids.file(), c.filename, script.text.length))
        : [];
      await streamMessage(script.text, 'text', 'completed', true, citations);
    } else if (script.kind === 'mcp') {
      const tool = (Array.isArray(body.tools) ? body.tools : []).find(
        (t: Json) => t?.type === 'mcp' && t.server_label === script.server,
      );
      if (!tool) return this.sendError(res, invalid(`no mcp tool ${script.server} offered`, 'tools', null), startedAt);
      const input: Json[] = Array.isArray(body.input) ? body.input : [];
      if (!input.some((i) => i?.type === 'mcp_list_tools' && i.server_label === script.server)) {
        const oi = output.length;
        const id = ids.mcpListTools();
        const tools = script.tools.map((t) => ({
          name: t.name,
          description: t.description ?? null,
          input_schema: t.input_schema ?? { type: 'object', properties: {} },
          annotations: t.annotations ?? null,
        }));
        emit('response.output_item.added', {
          item: { id, type: 'mcp_list_tools', server_label: script.server, tools: [] },
          output_index: oi,
        });
        emit('response.mcp_list_tools.in_progress', { item_id: id, output_index: oi });
        emit('response.mcp_list_tools.completed', { item_id: id, output_index: oi });
        const item = { id, type: 'mcp_list_tools', server_label: script.server, tools, error: null };
        emit('response.output_item.done', { item, output_index: oi });
        output.push(item);
      }
      const approvals = input.filter((i) => i?.type === 'mcp_approval_response');
      const requestOf = (id: string) => input.find((i) => i?.type === 'mcp_approval_request' && i.id === id);
      for (const a of approvals)
        if (!requestOf(a.approval_request_id) && !body.previous_response_id)
          return this.sendError(
            res,
            invalid(`No approval request found with id '${a.approval_request_id}'.`, 'input', null),
            startedAt,
          );
      let held = false;
      for (const call of script.calls) {
        if (closed) return;
        const annotations = script.tools.find((t) => t.name === call.name)?.annotations as Json | undefined;
        const decided = approvals.find((a) => requestOf(a.approval_request_id)?.name === call.name);
        if (decided && !decided.approve) continue;
        if (!decided && needsApproval(tool.require_approval, call.name, annotations?.readOnlyHint === true)) {
          const oi = output.length;
          const item = {
            id: ids.mcpApprovalRequest(),
            type: 'mcp_approval_request',
            server_label: script.server,
            name: call.name,
            arguments: call.arguments,
          };
          emit('response.output_item.added', { item, output_index: oi });
          emit('response.output_item.done', { item, output_index: oi });
          output.push(item);
          held = true;
          continue;
        }
        const oi = output.length;
        const id = ids.mcpCall();
        const base = { id, type: 'mcp_call', server_label: script.server, name: call.name };
        emit('response.output_item.added', {
          item: { ...base, arguments: '', status: 'in_progress' },
          output_index: oi,
        });
        emit('response.mcp_call_arguments.delta', { delta: call.arguments, item_id: id, output_index: oi });
        emit('response.mcp_call_arguments.done', { arguments: call.arguments, item_id: id, output_index: oi });
        emit('response.mcp_call.in_progress', { item_id: id, output_index: oi });
        emit('response.mcp_call.completed', { item_id: id, output_index: oi });
        const item = {
          ...base,
          arguments: call.arguments,
          approval_request_id: decided?.approval_request_id ?? null,
          error: null,
          output: call.output,
          status: 'completed',
        };
        emit('response.output_item.done', { item, output_index: oi });
        output.push(item);
      }
      // A response that holds a call for approval ends there; the answer comes once it is decided.
      if (!held && script.text) await streamMessage(script.text, 'text');
    } else {
      if (script.text) await streamMessage(script.text, 'text');
      for (const call of script.calls) {
        if (closed) return;
        const oi = output.length;
        const id = ids.functionCall();
        const callId = call.call_id ?? ids.callId();
        emit('response.output_item.added', {
          item: functionCallItem(id, 'in_progress', '', callId, call.name),
          output_index: oi,
        });
        for (const piece of chunkText(call.arguments, chunkSize))
          await pacedDelta('response.function_call_arguments.delta', { item_id: id, output_index: oi }, piece);
        emit('response.function_call_arguments.done', { arguments: call.arguments, item_id: id, output_index: oi });
        const item = functionCallItem(id, 'completed', call.arguments, callId, call.name);
        emit('response.output_item.done', { item, output_index: oi });
        output.push(item);
        outputText += call.arguments;
      }
    }
    if (closed) return;

    const u = pace.usage ?? {};
    const inputTokens = u.input_tokens ?? estimateTokens(body) + this.previousTokens(body.previous_response_id);
    const outputTokens = u.output_tokens ?? Math.max(1, Math.ceil(outputText.length / 4)) + reasoningTokens;
    this.remainingTokens = Math.max(0, this.remainingTokens - inputTokens - outputTokens);
    const final: Json = {
      ...resp,
      status,
      completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
      incomplete_details: incompleteReason ? { reason: incompleteReason } : null,
      output,
      service_tier: resp.service_tier === 'auto' ? 'default' : resp.service_tier,
      usage: usageObject(inputTokens, u.cached_tokens ?? 0, outputTokens, reasoningTokens, u.cache_write_tokens ?? 0),
    };
    this.store(body, final);
    if (!streaming) return this.sendJson(res, 200, final, startedAt);
    emit(status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
    this.finish(res);
  }

  private previousTokens(prevId: string | undefined): number {
    const usage = prevId ? this.stored.get(prevId)?.response.usage : undefined;
    return usage ? usage.input_tokens + usage.output_tokens : 0;
  }

  private store(body: Json, response: Json) {
    if (body.store === false) return;
    const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : (body.input ?? []);
    this.stored.set(response.id, { response, input });
  }

  private finish(res: ServerResponse) {
    if (this.opts.sendDone && !res.destroyed) res.write('data: [DONE]\n\n');
    res.end();
  }

  /** Connection reset: let what was written reach the client first, then send a TCP RST. */
  private async reset(req: IncomingMessage, res: ServerResponse) {
    const socket = res.socket ?? req.socket;
    if (res.headersSent && !socket.destroyed) await new Promise<void>((r) => socket.write('', () => r()));
    await sleep(25);
    if (!socket.destroyed) socket.resetAndDestroy();
  }
}

/** OpenAI's require_approval: 'always' / 'never', or filters; a call matching neither filter needs approval. */
function needsApproval(rule: unknown, name: string, readOnly: boolean): boolean {
  if (rule === 'never') return false;
  if (rule === 'always' || !rule || typeof rule !== 'object') return true;
  const r = rule as Json;
  const matches = (f: Json) =>
    Boolean(f) && ((Array.isArray(f.tool_names) && f.tool_names.includes(name)) || (f.read_only === true && readOnly));
  if (matches(r.always)) return true;
  return !matches(r.never);
}
