import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from './openai-server.js';

let fake: FakeOpenAI | undefined;
afterEach(async () => fake?.close());

async function start(opts: ConstructorParameters<typeof FakeOpenAI>[0] = {}): Promise<OpenAI> {
  fake = new FakeOpenAI(opts);
  return new OpenAI({ apiKey: 'sk-test-fake', baseURL: await fake.start(), maxRetries: 0 });
}

const collect = async (stream: AsyncIterable<any>) => {
  const events: any[] = [];
  for await (const e of stream) events.push(e);
  return events;
};

describe('FakeOpenAI: model lifecycle', () => {
  it('GET /v1/models/{id} carries shutdown_date where one is announced, null where none is, nothing otherwise', async () => {
    const client = await start({ shutdownDates: { 'gpt-4o': '2027-01-14', 'gpt-5': null } });
    expect(await client.models.retrieve('gpt-4o')).toEqual({
      id: 'gpt-4o',
      object: 'model',
      created: 1715367049,
      owned_by: 'system',
      shutdown_date: '2027-01-14',
    });
    // A dated snapshot shares its alias's date unless it has its own.
    expect((await client.models.retrieve('gpt-4o-2024-08-06')).shutdown_date).toBe('2027-01-14');
    expect((await client.models.retrieve('gpt-5')).shutdown_date).toBeNull();
    expect('shutdown_date' in (await client.models.retrieve('gpt-4.1'))).toBe(false);
  });

  it('a model retired mid-run answers model_not_found from then on, on both endpoints', async () => {
    const client = await start();
    expect((await client.responses.create({ model: 'gpt-4o', input: 'hi' })).model).toBe('gpt-4o-2024-08-06');
    fake!.retire('gpt-4o');
    const refused = await client.responses.create({ model: 'gpt-4o', input: 'hi' }).catch((e) => e);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused.error).toEqual({
      message: "The requested model 'gpt-4o' does not exist.",
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
    const snapshot = await client.responses.create({ model: 'gpt-4o-2024-08-06', input: 'hi' }).catch((e) => e);
    expect(snapshot.code).toBe('model_not_found');
    const lookup = await client.models.retrieve('gpt-4o').catch((e) => e);
    expect(lookup).toBeInstanceOf(NotFoundError);
    expect(lookup.code).toBe('model_not_found');
    // Other models are unaffected.
    expect((await client.responses.create({ model: 'gpt-4o-mini', input: 'hi' })).status).toBe('completed');
  });
});

describe('FakeOpenAI: reasoning models', () => {
  it.each([
    ['temperature', { temperature: 0.3 }, 'temperature', 'unsupported_parameter'],
    ['top_p', { top_p: 0.9 }, 'top_p', 'unsupported_parameter'],
    ['an effort the model lacks', { reasoning: { effort: 'none' } }, 'reasoning.effort', 'unsupported_value'],
  ])('refuse %s like the real API', async (_name, extra, param, code) => {
    const client = await start();
    const err = await client.responses.create({ model: 'gpt-5', input: 'hi', ...(extra as object) }).catch((e) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.error.param).toBe(param);
    expect(err.code).toBe(code);
  });

  it("lists the model's efforts when one is refused", async () => {
    const client = await start();
    const err = await client.responses
      .create({ model: 'gpt-6-luna', input: 'hi', reasoning: { effort: 'minimal' } })
      .catch((e) => e);
    expect(err.error.message).toBe(
      "Unsupported value: 'reasoning.effort' does not support 'minimal' with this model. Supported values are: 'low', 'medium', 'high', 'xhigh', and 'max'.",
    );
  });

  it('non-reasoning models refuse reasoning options', async () => {
    const client = await start();
    const err = await client.responses
      .create({ model: 'gpt-4o', input: 'hi', reasoning: { summary: 'auto' } })
      .catch((e) => e);
    expect(err.error.param).toBe('reasoning.summary');
  });

  it('prompt_cache_retention: 24h only where extended caching exists, gpt-6 refuses in_memory', async () => {
    const client = await start();
    const old = await client.responses
      .create({ model: 'gpt-4o', input: 'hi', prompt_cache_retention: '24h' })
      .catch((e) => e);
    expect(old.error.param).toBe('prompt_cache_retention');
    const newer = await client.responses
      .create({ model: 'gpt-6-luna', input: 'hi', prompt_cache_retention: 'in_memory' })
      .catch((e) => e);
    expect(newer.error.param).toBe('prompt_cache_retention');
    const ok = await client.responses.create({ model: 'gpt-6-luna', input: 'hi', prompt_cache_retention: '24h' });
    expect(ok.prompt_cache_retention).toBe('24h');
  });

  it('reason first: a reasoning item, a summary only when asked, reasoning tokens inside output_tokens', async () => {
    const client = await start();
    fake!.enqueue({ kind: 'text', text: 'Four.' });
    const events = await collect(
      await client.responses.create({
        model: 'gpt-6-luna',
        input: 'two plus two?',
        reasoning: { effort: 'low', summary: 'auto' },
        stream: true,
      }),
    );
    const types = events.map((e) => e.type);
    expect(types.indexOf('response.reasoning_summary_text.delta')).toBeGreaterThan(-1);
    expect(types.indexOf('response.reasoning_summary_text.delta')).toBeLessThan(
      types.indexOf('response.output_text.delta'),
    );
    const done = events.at(-1).response;
    expect(done.output[0].type).toBe('reasoning');
    expect(done.reasoning).toEqual({ context: null, effort: 'low', summary: 'auto' });
    expect(done.usage.output_tokens_details.reasoning_tokens).toBe(64);
    expect(done.usage.output_tokens).toBe(64 + 2);

    fake!.enqueue({ kind: 'text', text: 'Four.' });
    const plain = await client.responses.create({ model: 'gpt-6-luna', input: 'again', reasoning: { effort: 'low' } });
    expect(plain.output[0]).toMatchObject({ type: 'reasoning', summary: [] });
  });
});
