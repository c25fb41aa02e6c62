import { Writable } from 'node:stream';
import OpenAI from 'openai';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OpenAIKeyCheck } from '../../../../src/platform/openai/key-check.js';

const KEY = 'sk-proj-wrong-key-0123456789abcdef';

/** A client whose answers to GET /models/{id} are scripted, one per request; the paths asked are recorded. */
function scripted(...answers: Array<{ status: number; body: unknown } | 'network'>) {
  const paths: string[] = [];
  const client = new OpenAI({
    apiKey: KEY,
    baseURL: 'http://openai.invalid/v1',
    fetch: async (url) => {
      paths.push(new URL(String(url)).pathname);
      const answer = answers.shift();
      if (!answer) throw new Error('no scripted answer left');
      if (answer === 'network') throw new TypeError('fetch failed');
      return new Response(JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  return { client, paths };
}

const refused = {
  status: 401,
  body: {
    error: {
      message: `Incorrect API key provided: sk-proj-***cdef. You can find your API key at https://platform.openai.com/account/api-keys.`,
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    },
  },
};
const model = { status: 200, body: { id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' } };

function logs() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    }),
  );
  return { log, lines };
}

afterEach(() => vi.useRealTimers());

describe('checking OPENAI_API_KEY at start-up', () => {
  it('says plainly that OpenAI refused OPENAI_API_KEY, without the key, and checks again until it is accepted', async () => {
    vi.useFakeTimers();
    const { client, paths } = scripted(refused, refused, model);
    const { log, lines } = logs();
    const check = new OpenAIKeyCheck(client, { model: 'gpt-4o', timeoutMs: 5_000, retryMs: 60_000 }, log);

    expect(await check.start()).toEqual({ status: 'refused', detail: 'HTTP 401 invalid_api_key' });
    expect(paths).toEqual(['/v1/models/gpt-4o']);
    const error = lines.find((l) => l.level === 50)!;
    expect(error.msg).toMatch(/^OpenAI refused OPENAI_API_KEY \(HTTP 401 invalid_api_key\)/);
    expect(JSON.stringify(lines)).not.toContain(KEY);
    expect(JSON.stringify(lines)).not.toContain('cdef');

    await vi.advanceTimersByTimeAsync(60_000);
    expect(paths).toHaveLength(2);
    expect(check.state.status).toBe('refused');
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1); // said once, not every minute

    await vi.advanceTimersByTimeAsync(60_000);
    expect(check.state.status).toBe('accepted');
    expect(lines.at(-1)!.msg).toBe('OpenAI accepts OPENAI_API_KEY again; ready');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(paths).toHaveLength(3); // an accepted key is not asked about again
  });

  it('takes a 404 from a server without the models endpoint as no problem, and asks once', async () => {
    vi.useFakeTimers();
    const { client, paths } = scripted({ status: 404, body: { detail: 'Not Found' } });
    const check = new OpenAIKeyCheck(client, { model: 'llama3.1', timeoutMs: 5_000, retryMs: 1_000 }, logs().log);
    expect(await check.start()).toEqual({ status: 'accepted' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(paths).toHaveLength(1);
  });

  it('keeps trying in the background while OpenAI cannot be reached, without calling the key refused', async () => {
    vi.useFakeTimers();
    const { client, paths } = scripted('network', model);
    const { log, lines } = logs();
    const check = new OpenAIKeyCheck(client, { model: 'gpt-4o', timeoutMs: 5_000, retryMs: 30_000 }, log);
    expect((await check.start()).status).toBe('unknown');
    expect(lines.find((l) => l.level === 40)!.msg).toBe(
      'could not check OPENAI_API_KEY yet; trying again in the background',
    );
    await vi.advanceTimersByTimeAsync(30_000);
    expect(paths).toHaveLength(2);
    expect(check.state.status).toBe('accepted');
  });

  it('stops checking when the bot stops', async () => {
    vi.useFakeTimers();
    const { client, paths } = scripted(refused, refused);
    const check = new OpenAIKeyCheck(client, { model: 'gpt-4o', timeoutMs: 5_000, retryMs: 1_000 }, logs().log);
    await check.start();
    check.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(paths).toHaveLength(1);
  });
});
