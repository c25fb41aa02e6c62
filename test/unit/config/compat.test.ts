import { describe, expect, it } from 'vitest';
import { PRESETS, resolveCompat } from '../../../src/config/compat.js';
import { fileConfigSchema } from '../../../src/config/file-schema.js';
import { toCreateParams } from '../../../src/platform/openai/openai-model.js';
import type { ModelRequest } from '../../../src/turn/ports.js';

const request: ModelRequest = {
  model: 'gpt-4o',
  instructions: 'Be brief.',
  items: [{ type: 'user', ts: '1.1', userId: 'U1', userName: 'Ada', text: 'hi' }],
  maxOutputTokens: 256,
  safetyIdentifier: 'a'.repeat(32),
  promptCacheKey: 'tw-abc',
  metadata: { app: 'threadwise' },
  store: true,
  previousResponseId: 'resp_123',
};

const issues = (openai: unknown) => {
  const r = fileConfigSchema.safeParse({ openai });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('compatibility settings for OpenAI-compatible servers', () => {
  it('sends every optional feature to OpenAI', () => {
    expect(toCreateParams(request)).toMatchObject({
      store: true,
      previous_response_id: 'resp_123',
      safety_identifier: request.safetyIdentifier,
      prompt_cache_key: 'tw-abc',
      metadata: { app: 'threadwise' },
      stream_options: { include_obfuscation: false },
      stream: true,
    });
  });

  it('leaves out what a stateless server does not honour, keeping the conversation and the limits', () => {
    const params = toCreateParams(request, PRESETS.ollama) as unknown as Record<string, unknown>;
    expect(Object.keys(params).sort()).toEqual(['input', 'instructions', 'max_output_tokens', 'model', 'stream']);
  });

  it('offers function tools everywhere but hosted file_search only where the server runs it', () => {
    const tools: ModelRequest['tools'] = [
      {
        type: 'function',
        name: 'lookup_ticket',
        description: 'Look up a ticket',
        parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
        strict: true,
      },
      { type: 'file_search', vectorStoreIds: ['vs_1'] },
    ];
    const names = (compat = PRESETS.openai) =>
      (toCreateParams({ ...request, tools }, compat).tools ?? []).map((t) => t.type);
    expect(names()).toEqual(['function', 'file_search']);
    expect(names(PRESETS.vllm)).toEqual(['function']);
    expect(names({ ...PRESETS.openai, hostedTools: false })).toEqual(['function']);
  });

  it('lets each feature be overridden on top of a preset', () => {
    expect(resolveCompat({ preset: 'vllm', prompt_cache_key: true })).toEqual({
      ...PRESETS.vllm,
      promptCacheKey: true,
    });
    expect(resolveCompat({ preset: 'openai', stream_options: false }).streamOptions).toBe(false);
  });

  it('refuses settings that need stored responses on a server that does not keep them', () => {
    expect(issues({ chain_previous_response: true, compat: { preset: 'ollama' } })).toEqual([
      'openai.chain_previous_response: cannot be true: the ollama compat setting says this server cannot continue stored responses',
    ]);
    expect(issues({ store: true, compat: { preset: 'vllm' } })).toEqual([
      'openai.store: cannot be true: the vllm compat setting says this server does not store responses',
    ]);
    expect(
      issues({ chain_previous_response: true, compat: { preset: 'vllm', store: true, previous_response_id: true } }),
    ).toEqual([]);
    expect(issues({ compat: { preset: 'bedrock' } })[0]).toMatch(/openai\.compat\.preset/);
  });
});
