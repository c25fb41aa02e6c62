import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEmbedding } from './openai-embeddings.js';
import { FakeOpenAI } from './openai-server.js';

const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const specFile = path.resolve(repoRoot, '../shared/specs/openai-openapi.json'); // skipped unless it exists
const haveSpec = existsSync(specFile);

let fake: FakeOpenAI;
let baseURL: string;
beforeAll(async () => {
  fake = new FakeOpenAI();
  baseURL = await fake.start();
});
afterAll(() => fake.close());

const post = (body: unknown, key = 'sk-test-fake') =>
  fetch(`${baseURL}/embeddings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('fake POST /v1/embeddings', () => {
  it('answers a string or a list with one vector per input, in order, with usage', async () => {
    const res = await post({ model: 'text-embedding-3-small', input: ['hotel limit', 'lost laptop'] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ object: 'list', model: 'text-embedding-3-small', usage: { prompt_tokens: 4 } });
    expect(body.data.map((d: { index: number; object: string }) => [d.index, d.object])).toEqual([
      [0, 'embedding'],
      [1, 'embedding'],
    ]);
    expect(body.data[0].embedding).toHaveLength(1536);
    const one = await (await post({ model: 'text-embedding-3-small', input: 'hotel limit', dimensions: 64 })).json();
    expect(one.data[0].embedding).toHaveLength(64);
  });

  it('gives the SDK base64 vectors equal to the float ones, and close vectors to texts that share words', async () => {
    const client = new OpenAI({ apiKey: 'sk-test-fake', baseURL, maxRetries: 0 });
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hotel limit in London' });
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'hotel limit in London',
      encoding_format: 'float',
    });
    expect(Array.from(decoded.data[0]!.embedding)).toEqual(floats.data[0]!.embedding.map((x) => Math.fround(x)));
    const near = cosine(fakeEmbedding('hotel limit London', 256), fakeEmbedding('the hotel limit in London', 256));
    const far = cosine(fakeEmbedding('hotel limit London', 256), fakeEmbedding('report a lost laptop', 256));
    expect(near).toBeGreaterThan(0.7);
    expect(Math.abs(far)).toBeLessThan(0.3);
  });

  it('refuses what the API refuses, with its status and error shape', async () => {
    const cases: Array<[unknown, number, string | null, RegExp]> = [
      [{ model: 'text-embedding-3-small' }, 400, null, /Missing required parameter: 'input'/],
      [{ model: 'text-embedding-3-small', input: '' }, 400, null, /'\$\.input' is invalid/],
      [{ model: 'text-embedding-3-small', input: 'x', format: 'float' }, 400, null, /Unrecognized request argument/],
      [{ model: 'text-embedding-ada-002', input: 'x', dimensions: 64 }, 400, null, /does not support specifying/],
      [{ model: 'text-embedding-3-small', input: 'x', dimensions: 4096 }, 400, null, /between 1 and 1536/],
      [{ model: 'text-embedding-3-small', input: 'x', encoding_format: 'int8' }, 400, 'invalid_value', /Supported/],
      [{ model: 'gpt-4o-embeddings', input: 'x' }, 404, 'model_not_found', /does not exist/],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await post(body);
      expect(res.status).toBe(status);
      const { error } = await res.json();
      expect(error).toMatchObject({ type: 'invalid_request_error', code });
      expect(error.message).toMatch(message);
    }
    expect((await post({ model: 'text-embedding-3-small', input: 'x' }, 'sk-wrong-key-123456')).status).toBe(401);
  });

  it('can stand for a server without embeddings: the 404 of an unknown URL', async () => {
    fake.embeddingsServed = false;
    try {
      const res = await post({ model: 'text-embedding-3-small', input: 'x' });
      expect(res.status).toBe(404);
      expect((await res.json()).error.message).toBe('Invalid URL (POST /v1/embeddings)');
    } finally {
      fake.embeddingsServed = true;
    }
  });

  it.skipIf(!haveSpec)("answers with bodies valid against OpenAI's OpenAPI document", async () => {
    const spec = JSON.parse(readFileSync(specFile, 'utf8'));
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'openai', components: spec.components });
    const request = ajv.compile({ $ref: 'openai#/components/schemas/CreateEmbeddingRequest' });
    const response = ajv.compile({ $ref: 'openai#/components/schemas/CreateEmbeddingResponse' });
    const body = { model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 8, encoding_format: 'float' };
    expect(request(body), ajv.errorsText(request.errors)).toBe(true);
    const answer = await (await post(body)).json();
    expect(response(answer), ajv.errorsText(response.errors)).toBe(true);
  });
});
