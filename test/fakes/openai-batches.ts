// The Files and Batches APIs as FakeOpenAI serves them: multipart upload (POST /v1/files), file retrieval and
// content, and batches that move validating → in_progress → finalizing → completed one step per retrieve, with
// request_counts, usage and output/error files in the real JSONL shapes. Validation errors use the codes the
// real API reports in `errors.data` (invalid_json_line, duplicate_custom_id, url_mismatch, model_mismatch…).

import { batchIds, expiredLine, runLine } from './openai-batch-lines.js';
import type { Script } from './openai-server.js';
import { type ApiError, invalid } from './openai-validation.js';
import { type Json, randomAlnum } from './sse.js';

export type FakeReply =
  | { status: number; json: unknown }
  | { status: number; error: ApiError }
  | { status: 200; bytes: Buffer };

export interface FakeBatchesOptions {
  /** Retrieves a batch stays in_progress; each one runs an equal share of its requests (default 2). */
  pollsInProgress?: number;
  /** Requests run before the 24 h window "closes": the rest expire (status `expired`). */
  expireAfter?: number;
}

interface StoredFile {
  object: Json;
  content: Buffer;
}

interface BatchState {
  object: Json;
  lines: Array<{ custom_id: string; body: Json }>;
  done: number;
  output: Json[];
  errors: Json[];
  polls: number;
}

const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
const ENDPOINTS = ['/v1/responses', '/v1/chat/completions', '/v1/embeddings', '/v1/completions', '/v1/moderations'];
const now = () => Math.floor(Date.now() / 1000);
const notFound = (what: string, id: string, param: string) =>
  invalid(`No such ${what} object: ${id}`, param, null, 404);

export class FakeBatches {
  readonly files = new Map<string, StoredFile>();
  readonly batches = new Map<string, BatchState>();

  constructor(
    private readonly nextScript: (body: Json) => Script,
    private readonly snapshots: Record<string, string>,
    private readonly opts: FakeBatchesOptions = {},
  ) {}

  handles(path: string): boolean {
    return /^\/v1\/(files|batches)(\/|$)/.test(path);
  }

  async handle(method: string, path: string, contentType: string, raw: Buffer): Promise<FakeReply> {
    const route = `${method} ${path.replace(/\/(file-|batch_)[A-Za-z0-9_]+/, '/{id}')}`;
    const id = /\/((?:file-|batch_)[A-Za-z0-9_]+)/.exec(path)?.[1] ?? '';
    switch (route) {
      case 'POST /v1/files':
        return this.upload(contentType, raw);
      case 'GET /v1/files/{id}': {
        const f = this.files.get(id);
        return f ? { status: 200, json: f.object } : { status: 404, error: notFound('File', id, 'id') };
      }
      case 'GET /v1/files/{id}/content': {
        const f = this.files.get(id);
        return f ? { status: 200, bytes: f.content } : { status: 404, error: notFound('File', id, 'id') };
      }
      case 'POST /v1/batches':
        return this.create(raw);
      case 'GET /v1/batches/{id}': {
        const b = this.batches.get(id);
        if (!b) return { status: 404, error: notFound('Batch', id, 'batch_id') };
        this.advance(b);
        return { status: 200, json: b.object };
      }
      case 'POST /v1/batches/{id}/cancel': {
        const b = this.batches.get(id);
        if (!b) return { status: 404, error: notFound('Batch', id, 'batch_id') };
        if (!['validating', 'in_progress', 'finalizing'].includes(b.object.status))
          return {
            status: 409,
            error: {
              status: 409,
              error: {
                message: `Cannot cancel a batch with status '${b.object.status}'.`,
                type: 'invalid_request_error',
                param: null,
                code: null,
              },
            },
          };
        Object.assign(b.object, { status: 'cancelling', cancelling_at: now() });
        return { status: 200, json: b.object };
      }
      default:
        return { status: 404, error: invalid(`Invalid URL (${method} ${path})`, null, null, 404) };
    }
  }

  private async upload(contentType: string, raw: Buffer): Promise<FakeReply> {
    if (!contentType.startsWith('multipart/form-data'))
      return {
        status: 400,
        error: invalid("Invalid 'Content-Type' header: expected multipart/form-data.", null, null),
      };
    const form = await new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(raw),
    }).formData();
    const purpose = form.get('purpose');
    const file = form.get('file');
    if (typeof purpose !== 'string')
      return {
        status: 400,
        error: invalid("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter'),
      };
    if (!FILE_PURPOSES.includes(purpose))
      return {
        status: 400,
        error: invalid(
          `Invalid value: '${purpose}'. Supported values are: ${FILE_PURPOSES.map((p) => `'${p}'`).join(', ')}.`,
          'purpose',
          'invalid_value',
        ),
      };
    if (!file || typeof file === 'string')
      return {
        status: 400,
        error: invalid("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'),
      };
    if (purpose === 'batch' && !file.name.endsWith('.jsonl'))
      return { status: 400, error: invalid('Invalid file format for Batch API. Must be .jsonl', 'file', null) };
    const content = Buffer.from(await file.arrayBuffer());
    return { status: 200, json: this.storeFile(file.name, purpose, content) };
  }

  private storeFile(filename: string, purpose: string, content: Buffer): Json {
    const created = now();
    const object = {
      object: 'file',
      id: `file-${randomAlnum(22)}`,
      purpose,
      filename,
      bytes: content.length,
      created_at: created,
      expires_at: purpose === 'batch' || purpose === 'batch_output' ? created + 30 * 86_400 : null,
      status: 'processed',
      status_details: null,
    };
    this.files.set(object.id, { object, content });
    return object;
  }

  private create(raw: Buffer): FakeReply {
    let body: Json;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, error: invalid('We could not parse the JSON body of your request.', null, null) };
    }
    for (const k of ['input_file_id', 'endpoint', 'completion_window'])
      if (typeof body[k] !== 'string')
        return { status: 400, error: invalid(`Missing required parameter: '${k}'.`, k, 'missing_required_parameter') };
    if (!ENDPOINTS.includes(body.endpoint))
      return {
        status: 400,
        error: invalid(
          `Invalid value: '${body.endpoint}'. Supported values are: ${ENDPOINTS.map((e) => `'${e}'`).join(', ')}.`,
          'endpoint',
          'invalid_value',
        ),
      };
    if (body.completion_window !== '24h')
      return {
        status: 400,
        error: invalid(
          `Invalid value: '${body.completion_window}'. Supported values are: '24h'.`,
          'completion_window',
          'invalid_value',
        ),
      };
    const file = this.files.get(body.input_file_id);
    if (!file)
      return {
        status: 400,
        error: invalid(`Invalid 'input_file_id': '${body.input_file_id}'. File not found.`, 'input_file_id', null),
      };
    if (file.object.purpose !== 'batch')
      return {
        status: 400,
        error: invalid(
          `Invalid 'input_file_id': file must have purpose 'batch', got '${file.object.purpose}'.`,
          'input_file_id',
          null,
        ),
      };
    const created = now();
    const object: Json = {
      id: batchIds.batch(),
      object: 'batch',
      endpoint: body.endpoint,
      model: null,
      errors: null,
      input_file_id: body.input_file_id,
      completion_window: '24h',
      status: 'validating',
      output_file_id: null,
      error_file_id: null,
      created_at: created,
      in_progress_at: null,
      expires_at: created + 86_400,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
      usage: {
        input_tokens: 0,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: 0,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 0,
      },
      metadata: body.metadata ?? null,
    };
    this.batches.set(object.id, { object, lines: [], done: 0, output: [], errors: [], polls: 0 });
    return { status: 200, json: object };
  }

  /** One step of the life cycle per retrieve, so a poller sees every status. */
  private advance(b: BatchState): void {
    const o = b.object;
    switch (o.status) {
      case 'validating': {
        const problems = this.validate(b);
        if (problems.length)
          Object.assign(o, { status: 'failed', failed_at: now(), errors: { object: 'list', data: problems } });
        else
          Object.assign(o, {
            status: 'in_progress',
            in_progress_at: now(),
            request_counts: { total: b.lines.length, completed: 0, failed: 0 },
          });
        return;
      }
      case 'in_progress': {
        const share = Math.ceil(b.lines.length / Math.max(1, this.opts.pollsInProgress ?? 2));
        const until = Math.min(b.lines.length, b.done + share, this.opts.expireAfter ?? Infinity);
        for (; b.done < until; b.done++) this.run(b, b.lines[b.done]!);
        if (b.done === b.lines.length) Object.assign(o, { status: 'finalizing', finalizing_at: now() });
        else if (b.done === this.opts.expireAfter) this.close(b, 'expired');
        return;
      }
      case 'finalizing':
        return this.close(b, 'completed');
      case 'cancelling':
        return this.close(b, 'cancelled');
    }
  }

  private validate(b: BatchState): Json[] {
    const text = this.files.get(b.object.input_file_id)!.content.toString('utf8');
    const rows = text
      .split('\n')
      .map((l, i) => ({ l, line: i + 1 }))
      .filter((r) => r.l.trim());
    if (!rows.length) return [{ code: 'empty_file', message: 'The input file is empty.', param: null, line: null }];
    if (rows.length > 50_000)
      return [
        { code: 'too_many_tasks', message: 'The input file has more than 50,000 requests.', param: null, line: null },
      ];
    const problems: Json[] = [];
    const seen = new Set<string>();
    let model: string | undefined;
    for (const { l, line } of rows) {
      let req: Json;
      try {
        req = JSON.parse(l);
      } catch {
        problems.push({
          code: 'invalid_json_line',
          message: 'This line is not parseable as valid JSON.',
          param: null,
          line,
        });
        continue;
      }
      if (typeof req.custom_id !== 'string')
        problems.push({
          code: 'missing_required_parameter',
          message: "Missing required parameter: 'custom_id'.",
          param: 'custom_id',
          line,
        });
      else if (seen.has(req.custom_id))
        problems.push({
          code: 'duplicate_custom_id',
          message: 'The custom_id for this request is a duplicate of another request.',
          param: 'custom_id',
          line,
        });
      else seen.add(req.custom_id);
      if (req.method !== 'POST')
        problems.push({
          code: 'invalid_request',
          message: "The 'method' of this request must be 'POST'.",
          param: 'method',
          line,
        });
      if (req.url !== b.object.endpoint)
        problems.push({
          code: 'url_mismatch',
          message: `The URL provided for this request does not match the batch endpoint (${b.object.endpoint}).`,
          param: 'url',
          line,
        });
      const m = req.body?.model;
      if (model !== undefined && m !== model)
        problems.push({
          code: 'model_mismatch',
          message: 'All requests in a batch must use the same model.',
          param: 'body.model',
          line,
        });
      model ??= m;
      b.lines.push({ custom_id: req.custom_id, body: req.body ?? {} });
    }
    b.object.model = model ?? null;
    return problems;
  }

  private run(b: BatchState, req: { custom_id: string; body: Json }): void {
    const result = runLine(req.custom_id, req.body, this.nextScript(req.body), this.snapshots);
    (result.ok ? b.output : b.errors).push(result.line);
    b.object.request_counts[result.ok ? 'completed' : 'failed'] += 1;
    if (result.usage) {
      const u = b.object.usage;
      u.input_tokens += result.usage.input_tokens;
      u.output_tokens += result.usage.output_tokens;
      u.total_tokens = u.input_tokens + u.output_tokens;
    }
  }

  /** Ends the batch: requests an expired window never ran get batch_expired lines; output and error files are written (when not empty). */
  private close(b: BatchState, status: 'completed' | 'expired' | 'cancelled'): void {
    if (status === 'expired') {
      for (const req of b.lines.slice(b.done)) {
        b.errors.push(expiredLine(req.custom_id));
        b.object.request_counts.failed += 1;
      }
    }
    const write = (lines: Json[], name: string) =>
      lines.length
        ? this.storeFile(name, 'batch_output', Buffer.from(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`)).id
        : null;
    Object.assign(b.object, {
      status,
      [`${status}_at`]: now(),
      output_file_id: write(b.output, `${b.object.id}_output.jsonl`),
      error_file_id: write(b.errors, `${b.object.id}_error.jsonl`),
    });
  }
}
