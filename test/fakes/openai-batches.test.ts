import OpenAI, { toFile } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI, type FakeOpenAIOptions } from './openai-server.js';

let fake: FakeOpenAI;
afterEach(async () => fake?.close());

async function setup(opts: FakeOpenAIOptions = {}) {
  fake = new FakeOpenAI(opts);
  const client = new OpenAI({ apiKey: 'sk-test-fake', baseURL: await fake.start(), maxRetries: 0 });
  return client;
}

const line = (id: string, body: Record<string, unknown> = { model: 'gpt-4o', input: 'hi' }) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/responses', body });
const upload = async (client: OpenAI, text: string, name = 'in.jsonl') =>
  client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'batch' });

describe('fake Files and Batches API', () => {
  it('uploads a JSONL file as multipart and serves its content back', async () => {
    const client = await setup();
    const file = await upload(client, `${line('a')}\n`);
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'in.jsonl',
      status: 'processed',
      bytes: line('a').length + 1,
    });
    expect(file.id).toMatch(/^file-[A-Za-z0-9]{22}$/);
    expect(await (await client.files.content(file.id)).text()).toBe(`${line('a')}\n`);
    await expect(client.files.content('file-missing')).rejects.toMatchObject({ status: 404 });
    await expect(upload(client, 'x', 'in.csv')).rejects.toThrow(/Must be \.jsonl/);
  });

  it('moves a batch through validating, in_progress, finalizing and completed, with output and error files', async () => {
    const client = await setup({ batches: { pollsInProgress: 2 } });
    fake.enqueue(
      { kind: 'json', value: { ok: 1 } },
      {
        kind: 'http_error',
        status: 429,
        error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
      },
      { kind: 'text', text: 'two' },
    );
    const file = await upload(client, [line('a'), line('b'), line('c')].join('\n'));
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/responses',
      completion_window: '24h',
      metadata: { job: 'x' },
    });
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      endpoint: '/v1/responses',
      completion_window: '24h',
      metadata: { job: 'x' },
    });
    expect(created.id).toMatch(/^batch_[0-9a-f]{32}$/);

    const seen = [];
    for (let i = 0; i < 5; i++) {
      const b = await client.batches.retrieve(created.id);
      seen.push([b.status, b.request_counts?.completed, b.request_counts?.failed]);
    }
    expect(seen).toEqual([
      ['in_progress', 0, 0],
      ['in_progress', 1, 1],
      ['finalizing', 2, 1],
      ['completed', 2, 1],
      ['completed', 2, 1],
    ]);
    const done = await client.batches.retrieve(created.id);
    const out = (await (await client.files.content(done.output_file_id!)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out.map((l) => l.custom_id)).toEqual(['a', 'c']);
    expect(out[0]).toMatchObject({
      id: expect.stringMatching(/^batch_req_/),
      error: null,
      response: { status_code: 200, request_id: expect.stringMatching(/^req_/) },
    });
    expect(out[0].response.body).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4o-2024-08-06' });
    expect(out[0].response.body.output[0].content[0]).toMatchObject({ type: 'output_text', text: '{"ok":1}' });
    expect(out[0].response.body.output_text).toBeUndefined();
    const errors = (await (await client.files.content(done.error_file_id!)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors).toEqual([
      expect.objectContaining({
        custom_id: 'b',
        error: null,
        response: expect.objectContaining({
          status_code: 429,
          body: { error: expect.objectContaining({ code: 'rate_limit_exceeded' }) },
        }),
      }),
    ]);
    expect(done.usage?.output_tokens).toBeGreaterThan(0);
  });

  it('fails validation with line-numbered errors for bad JSON, duplicate ids and a wrong url', async () => {
    const client = await setup();
    const file = await upload(
      client,
      [
        line('a'),
        '{oops',
        line('a'),
        JSON.stringify({ custom_id: 'z', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o' } }),
      ].join('\n'),
    );
    const b = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    const failed = await client.batches.retrieve(b.id);
    expect(failed.status).toBe('failed');
    expect(failed.errors?.data?.map((e) => [e.code, e.line])).toEqual([
      ['invalid_json_line', 2],
      ['duplicate_custom_id', 3],
      ['url_mismatch', 4],
    ]);
  });

  it('expires requests the window did not reach, keeping the finished ones', async () => {
    const client = await setup({ batches: { pollsInProgress: 3, expireAfter: 1 } });
    const file = await upload(client, [line('a'), line('b'), line('c')].join('\n'));
    const b = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/responses',
      completion_window: '24h',
    });
    await client.batches.retrieve(b.id);
    const expired = await client.batches.retrieve(b.id);
    expect(expired.status).toBe('expired');
    const errors = (await (await client.files.content(expired.error_file_id!)).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors.map((e) => [e.custom_id, e.response, e.error.code])).toEqual([
      ['b', null, 'batch_expired'],
      ['c', null, 'batch_expired'],
    ]);
  });

  it('rejects batches the real API rejects', async () => {
    const client = await setup();
    const file = await upload(client, line('a'));
    await expect(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/responses', completion_window: '48h' as '24h' }),
    ).rejects.toMatchObject({ status: 400, param: 'completion_window' });
    await expect(
      client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/responses', completion_window: '24h' }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(client.batches.retrieve('batch_nope')).rejects.toMatchObject({ status: 404 });
  });
});
