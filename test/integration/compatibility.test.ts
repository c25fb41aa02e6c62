import { afterEach, describe, expect, it } from 'vitest';
import type { FakeOpenAIOptions } from '../fakes/openai-server.js';
import { Harness, OPENAI_KEY } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const CH = 'C0SUP1';
const OPTIONAL = [
  'store',
  'safety_identifier',
  'prompt_cache_key',
  'metadata',
  'stream_options',
  'previous_response_id',
];

/** A mention and a follow-up in its thread; returns what the server received and what the user saw. */
async function twoTurns(hh: Harness) {
  const first = await hh.mention({ text: 'where is the runbook?' });
  await hh.turnFinished(first.eventId);
  const root = hh.slack.messages(CH)[0]!.ts;
  const follow = await hh.message({ channel: CH, thread_ts: root, text: 'and the on-call rota?' });
  await hh.turnFinished(follow.eventId);
  return { requests: hh.openai.responsesRequests(), replies: hh.replies(CH, root).map((m) => m.text) };
}

function server(
  profile: FakeOpenAIOptions['profile'],
  model: string,
  extra: Partial<FakeOpenAIOptions> = {},
): FakeOpenAIOptions {
  return { profile, models: { [model]: model }, ...extra };
}

describe('OpenAI-compatible servers through the Responses API', () => {
  it.each([
    { preset: 'vllm', model: 'Qwen/Qwen3-8B', sent: ['metadata'] },
    { preset: 'ollama', model: 'llama3.2', sent: [] },
    { preset: 'litellm', model: 'claude-sonnet', sent: ['metadata'] },
  ] as const)(
    'answers a whole thread on $preset with its preset, sending only what it honours',
    async ({ preset, model, sent }) => {
      h = await new Harness({
        redis: false,
        openai: server(preset, model),
        env: { OPENAI_MODEL: model },
        yaml: `openai:\n  compat:\n    preset: ${preset}\n`,
      }).start();
      h.openai.enqueue({ kind: 'text', text: 'In the wiki under Ops.' }, { kind: 'text', text: 'PagerDuty has it.' });
      const { requests, replies } = await twoTurns(h);

      expect(replies).toEqual(['In the wiki under Ops.', 'PagerDuty has it.']);
      for (const r of requests) {
        expect(r.ignoredParams).toEqual([]);
        expect(OPTIONAL.filter((k) => k in r.body)).toEqual(sent);
      }
      // Stateless servers get the whole conversation every turn.
      expect(requests[1]!.body.input).toHaveLength(3);
    },
  );

  it('shows what OpenAI-only fields Ollama and vLLM would silently drop without the preset', async () => {
    h = await new Harness({
      redis: false,
      openai: server('ollama', 'llama3.2'),
      env: { OPENAI_MODEL: 'llama3.2' },
    }).start();
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    expect(h.openai.responsesRequests()[0]!.ignoredParams!.sort()).toEqual([
      'metadata',
      'prompt_cache_key',
      'safety_identifier',
      'store',
      'stream_options',
    ]);
  });

  it('loses a chained follow-up on vLLM without the preset (its store is off), which the preset prevents', async () => {
    h = await new Harness({
      redis: false,
      openai: server('vllm', 'Qwen/Qwen3-8B'),
      env: { OPENAI_MODEL: 'Qwen/Qwen3-8B' },
      yaml: 'openai:\n  chain_previous_response: true\n',
    }).start();
    const { requests, replies } = await twoTurns(h);
    expect(requests[1]!.body.previous_response_id).toMatch(/^resp_/);
    expect(replies[1]).toMatch(/OpenAI rejected the request/);
  });

  it('fails on a LiteLLM deployment that refuses OpenAI-only parameters unless the preset leaves them out', async () => {
    h = await new Harness({
      redis: false,
      openai: server('litellm', 'claude-sonnet'),
      env: { OPENAI_MODEL: 'claude-sonnet' },
      yaml: 'openai:\n  max_retries: 0\n',
    }).start();
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    expect(h.replies(CH, h.slack.messages(CH)[0]!.ts)[0]!.text).toMatch(/server error \(HTTP 500\)/);
    const failed = await h.waitForLog((l) => l.msg === 'model call failed');
    expect(String((failed.err as { message?: string }).message)).toContain('does not support parameters');
  });

  it('talks to Azure OpenAI v1 with an api-key header and a deployment name as the model', async () => {
    h = await new Harness({
      redis: false,
      openai: { profile: 'azure', deployments: { 'support-gpt4o': 'gpt-4o-2024-11-20' } },
      env: { OPENAI_MODEL: 'support-gpt4o' },
      yaml: 'openai:\n  auth_header: api-key\n  compat:\n    preset: azure\n',
    }).start();
    h.openai.enqueue({ kind: 'text', text: 'From Azure.' });
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);

    const req = h.openai.responsesRequests()[0]!;
    expect(req.headers['api-key']).toBe(OPENAI_KEY);
    expect(req.headers.authorization).toBeUndefined();
    expect(req.body).toMatchObject({ model: 'support-gpt4o', store: false });
    expect(h.replies(CH, h.slack.messages(CH)[0]!.ts)[0]!.text).toBe('From Azure.');
    expect(await h.waitForLog((l) => l.msg === 'model call finished')).toMatchObject({
      requested_model: 'support-gpt4o',
      model: 'gpt-4o-2024-11-20',
    });
  });

  it('names a missing Azure deployment in the log', async () => {
    h = await new Harness({
      redis: false,
      openai: { profile: 'azure', deployments: { 'support-gpt4o': 'gpt-4o-2024-11-20' } },
      env: { OPENAI_MODEL: 'gpt-4o' },
    }).start();
    const sent = await h.mention({ text: 'hi' });
    await h.turnFinished(sent.eventId);
    expect(await h.waitForLog((l) => l.msg === 'model call failed')).toMatchObject({
      http_status: 404,
      error_code: 'DeploymentNotFound',
    });
  });
});
