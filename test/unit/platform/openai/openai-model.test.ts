import OpenAI from 'openai';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { OpenAIModel } from '../../../../src/platform/openai/openai-model.js';
import { noticeForError } from '../../../../src/turn/notices.js';
import { type ModelCall, ModelError, type ModelEvent, type ModelRequest } from '../../../../src/turn/ports.js';
import { type StreamFixture, streamBody } from '../../../fixtures/openai/read.js';
import { en } from '../../../support/translators.js';

const request: ModelRequest = {
  model: 'gpt-4o',
  instructions: 'Answer briefly.',
  items: [{ type: 'user', ts: '1.1', userId: 'U1', userName: 'Ada', text: 'When is the freeze?' }],
  maxOutputTokens: 1024,
  safetyIdentifier: 'user-hash',
  promptCacheKey: 'tw-thread',
  metadata: { app: 'threadwise', turn: 't1' },
  store: true,
};

/** An OpenAIModel whose HTTP answers are the given fixtures, one per request, replayed byte for byte. */
function replaying(fixtures: StreamFixture[], maxRetries = 0) {
  const sent: StreamFixture[] = [];
  const client = new OpenAI({
    apiKey: 'sk-test',
    baseURL: 'http://openai.invalid/v1',
    fetch: async () => {
      const name = fixtures[sent.length];
      if (!name) throw new Error('no fixture left for this request');
      sent.push(name);
      return new Response(streamBody(name), {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': `req_${sent.length}` },
      });
    },
  });
  const model = new OpenAIModel(
    client,
    { maxRetries, stallTimeoutMs: 60_000, requestTimeoutMs: 60_000, backoffBaseMs: 1 },
    pino({ level: 'silent' }),
  );
  return { model, sent };
}

async function run(fixtures: StreamFixture[], maxRetries = 0) {
  const { model, sent } = replaying(fixtures, maxRetries);
  const events: ModelEvent[] = [];
  let error: ModelError | undefined;
  try {
    for await (const e of model.stream(request)) events.push(e);
  } catch (e) {
    error = e as ModelError;
  }
  const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
  const call = events.find((e): e is { type: 'done'; call: ModelCall } => e.type === 'done')?.call;
  return { text, call, error, sent };
}

describe('OpenAI streams as the bot reads them (repository fixtures)', () => {
  it('shows a streamed text answer delta by delta and reports its usage', async () => {
    const { text, call, error } = await run(['text-stream']);
    expect(error).toBeUndefined();
    expect(text).toBe('The deploy freeze starts Friday.');
    expect(call).toMatchObject({
      model: 'gpt-4o-2024-08-06',
      status: 'completed',
      usage: { inputTokens: 1240, cachedTokens: 1024, outputTokens: 7 },
      requestId: 'req_1',
      functionCalls: [],
    });
    expect(call?.citations).toBeUndefined();
  });

  it('hands function calls over by call_id with their complete arguments', async () => {
    const { call } = await run(['function-call-stream']);
    expect(call?.functionCalls).toEqual([
      { callId: 'call_Vb7nQ2wX9kLm4Rt1Yz8Hc3Pd', name: 'lookup_ticket', arguments: '{"key":"SUP-101"}' },
    ]);
  });

  it('keeps the files hosted file_search cited, each once, in the order first cited', async () => {
    const { text, call } = await run(['file-search-stream']);
    expect(text).toContain('Annual plans can be refunded within 30 days');
    expect(call?.citations).toEqual([
      { fileId: 'file-Kx7mQ2nR4pT6vW8yZ1aB3c', filename: 'refund-policy.pdf' },
      { fileId: 'file-Dq9sF1gH3jK5lM7nP2rT4v', filename: 'Billing FAQ.md' },
    ]);
  });

  it('retries a transient server_error event (code null) like a 5xx, and the user gets the answer', async () => {
    const { text, error, sent } = await run(['server-error-stream', 'text-stream'], 1);
    expect(error).toBeUndefined();
    expect(sent).toEqual(['server-error-stream', 'text-stream']);
    expect(text).toBe('The deploy freeze starts Friday.');
  });

  it('calls a repeated server_error event a server error, not "OpenAI rejected the request"', async () => {
    const { error } = await run(['server-error-stream']);
    expect(error).toBeInstanceOf(ModelError);
    expect(error?.kind).toBe('server');
    const notice = noticeForError(en, error!, { stallSeconds: 90, adminAlerted: false });
    expect(notice).toContain('server error');
    expect(notice).not.toContain('rejected');
  });

  it('recognises context_length_exceeded inside a 200 stream, so the turn can trim and retry', async () => {
    const { error, sent } = await run(['context-length-stream', 'text-stream'], 2);
    expect(error?.kind).toBe('context_length');
    expect(sent).toEqual(['context-length-stream']); // the adapter does not resend what would fail the same way
  });

  it('reports an answer cut at max_output_tokens as incomplete, with the reason', async () => {
    const { text, call } = await run(['incomplete-stream']);
    expect(text).toBe('Step one: open the admin console, then choose');
    expect(call).toMatchObject({ status: 'incomplete', incompleteReason: 'max_output_tokens' });
  });

  it('answers through unknown event types and a completed event with null output and usage (loose servers)', async () => {
    const { text, call, error } = await run(['loose-server-stream']);
    expect(error).toBeUndefined();
    expect(text).toBe('Restart the worker.');
    expect(call).toMatchObject({ responseId: 'resp_local_7f3a9c', status: 'completed', functionCalls: [] });
    expect(call?.usage).toBeUndefined(); // unknown, not zero and not a failure
  });
});
