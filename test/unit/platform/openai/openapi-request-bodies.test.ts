import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_SPECS } from '../../../../src/features/tools/specs.js';
import { OpenAIModel } from '../../../../src/platform/openai/openai-model.js';
import { toStrictJsonSchema } from '../../../../src/platform/tools/json-schema.js';
import type { ModelRequest, ModelTool } from '../../../../src/turn/ports.js';
import type { ThreadItem } from '../../../../src/turn/thread.js';
import { FakeOpenAI } from '../../../fakes/openai-server.js';

const repoRoot = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
// OpenAI's OpenAPI document is not part of the repository; this check is skipped unless it exists (CI has it).
const specFile = path.resolve(repoRoot, '../shared/specs/openai-openapi.json'); // skipped unless it exists
const haveSpec = existsSync(specFile);
if (!haveSpec) console.info(`[skipped] request bodies against OpenAI's OpenAPI document: ${specFile} does not exist`);

/** The document's `oneOf` unions overlap (a string input matches several branches), so they are read as `anyOf`. */
function oneOfAsAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(oneOfAsAnyOf);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k === 'oneOf' ? 'anyOf' : k, oneOfAsAnyOf(v)] as const),
  );
}

const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const functionTools: ModelTool[] = Object.values(TOOL_SPECS).map((t) => ({
  type: 'function',
  name: t.name,
  description: t.description,
  parameters: toStrictJsonSchema(t.parameters),
  strict: true,
}));
const fileSearch: ModelTool = { type: 'file_search', vectorStoreIds: ['vs_policies'], maxResults: 4 };

const base: Omit<ModelRequest, 'items'> = {
  model: 'gpt-4o',
  instructions: 'You are Threadwise.',
  maxOutputTokens: 1024,
  safetyIdentifier: 'u'.repeat(64),
  promptCacheKey: 'tw-thread',
  metadata: { app: 'threadwise', thread: 'thread-hash', turn: 'turn-1' },
  store: true,
};
const question: ThreadItem = { type: 'user', ts: '1.1', userId: 'U1', userName: 'Ada', text: 'What is SUP-101 about?' };

/** What Threadwise sends, one request per shape: history, files, tools, tool results, chained and unchained. */
const requests: Array<[string, ModelRequest]> = [
  ['a plain question', { ...base, items: [question] }],
  [
    'a reasoning model with an effort, a summary and a cache retention',
    {
      ...base,
      model: 'gpt-6-luna',
      reasoningEffort: 'high',
      reasoningSummary: 'auto',
      promptCacheRetention: '24h',
      items: [question],
    },
  ],
  [
    'history with an earlier answer',
    { ...base, store: false, items: [question, { type: 'assistant', text: 'It is a login bug.' }, question] },
  ],
  [
    'an image, a PDF, a text file and a skipped file',
    {
      ...base,
      items: [
        {
          ...question,
          attachments: [
            {
              kind: 'image',
              id: 'i1',
              name: 'e.png',
              mime: 'image/png',
              width: 1,
              height: 1,
              detail: 'low',
              data: png,
            },
            { kind: 'image', id: 'i2', name: 'old.png', mime: 'image/png', width: 1, height: 1, detail: 'auto' },
            { kind: 'pdf', id: 'p1', name: 'invoice.pdf', bytes: pdf.length, data: pdf },
            { kind: 'text', name: 'app.log', text: 'boom', totalChars: 4, truncated: false },
          ],
          skipped: [{ name: 'logs.zip', reason: "ZIP files can't be read" }],
        },
      ],
    },
  ],
  ['every tool, hosted file_search included', { ...base, tools: [...functionTools, fileSearch], items: [question] }],
];

let fake: FakeOpenAI;
let model: OpenAIModel;

beforeAll(async () => {
  fake = new FakeOpenAI();
  const baseURL = await fake.start();
  model = new OpenAIModel(
    new OpenAI({ apiKey: 'sk-test-fake', baseURL, maxRetries: 0 }),
    { maxRetries: 0, stallTimeoutMs: 10_000, requestTimeoutMs: 10_000 },
    pino({ level: 'silent' }),
  );
});
afterAll(() => fake.close());

async function send(request: ModelRequest) {
  for await (const event of model.stream(request)) if (event.type === 'done') return event.call;
  throw new Error('no answer');
}

describe.skipIf(!haveSpec)("request bodies Threadwise sends, against OpenAI's OpenAPI document", () => {
  let compiled: ValidateFunction | undefined;
  const validate = () => {
    if (compiled) return compiled;
    const spec = JSON.parse(readFileSync(specFile, 'utf8'));
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'openai', components: oneOfAsAnyOf(spec.components) });
    compiled = ajv.compile({ $ref: 'openai#/components/schemas/CreateResponse' });
    return compiled;
  };

  it.each(requests)('%s: the body the fake received is a valid CreateResponse', async (_name, request) => {
    const before = fake.responsesRequests().length;
    await send(request);
    const body = fake.responsesRequests()[before]!.body;
    const check = validate();
    expect(check(body), JSON.stringify(check.errors?.slice(0, 5), null, 2)).toBe(true);
  });

  it('a tool round: function call outputs chained with previous_response_id are a valid CreateResponse', async () => {
    fake.enqueue({ kind: 'function_calls', calls: [{ name: 'lookup_ticket', arguments: '{"key":"SUP-101"}' }] });
    const first = await send({ ...base, tools: functionTools, items: [question] });
    const [call] = first.functionCalls;
    const before = fake.responsesRequests().length;
    await send({
      ...base,
      tools: functionTools,
      previousResponseId: first.responseId,
      items: [{ type: 'function_call_output', callId: call!.callId, output: '{"untrusted_data":{"title":"x"}}' }],
    });
    const unchained: ThreadItem[] = [
      question,
      { type: 'function_call', callId: call!.callId, name: call!.name, arguments: call!.arguments },
      { type: 'function_call_output', callId: call!.callId, output: '{"untrusted_data":{"title":"x"}}' },
    ];
    await send({ ...base, tools: functionTools, items: unchained });
    const check = validate();
    for (const { body } of fake.responsesRequests().slice(before))
      expect(check(body), JSON.stringify(check.errors?.slice(0, 5), null, 2)).toBe(true);
  });

  it('the check itself refuses a body the API would refuse', () => {
    const check = validate();
    expect(check({ model: 'gpt-4o', input: [{ type: 'message', role: 'bot', content: 'x' }] })).toBe(false);
    expect(check({ model: 'gpt-4o', input: 'hi', max_output_tokens: 'many' })).toBe(false);
  });
});
