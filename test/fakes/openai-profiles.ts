// How OpenAI-compatible servers treat a POST /v1/responses that OpenAI itself would accept: which fields they
// read, which they drop without a word, which they refuse, and how they authenticate. The FakeOpenAI applies a
// profile before its own validation, so a test can run the real turn "against" each server.
// Sources (read in their code, see docs/compatibility.md):
// - Ollama openai/responses.go: `ResponsesRequest` is a Go struct decoded with encoding/json, which drops unknown
//   fields; no store / previous_response_id / metadata / prompt_cache_key / safety_identifier / stream_options.
//   The API key is "required but ignored".
// - vLLM entrypoints/openai (protocol.py `ResponsesRequest`, serving_responses.py): pydantic extra="allow" only
//   logs unknown fields; `store` is switched off silently unless VLLM_ENABLE_RESPONSES_API_STORE=1, so every
//   previous_response_id is answered 404 "Response with id '…' not found."; prompt_cache_key "will be ignored".
// - LiteLLM responses/utils.py `_check_valid_arg`: parameters outside the deployment's supported list raise
//   UnsupportedParamsError (status 500) unless drop_params is on; the list is the chat-completions bridge's
//   (litellm_completion_transformation `get_supported_openai_params`).
// - Azure OpenAI v1 (/openai/v1/): `api-key` header or `Authorization: Bearer`; `model` names a deployment; an
//   unknown deployment is 404 DeploymentNotFound; Azure's own error envelope for auth and deployment errors; the
//   response names the model snapshot behind the deployment.
import type { IncomingHttpHeaders } from 'node:http';
import type { Json } from './sse.js';

export type ProfileName = 'openai' | 'azure' | 'vllm' | 'ollama' | 'litellm';

export type Admission =
  | { ok: true; body: Json; ignored: string[]; model?: string }
  | { ok: false; status: number; body: Json };

export interface ProfileContext {
  apiKey: string;
  /** Azure: deployment name → model snapshot that serves it. */
  deployments: Record<string, string>;
}

const OLLAMA_FIELDS = [
  'model',
  'background',
  'conversation',
  'include',
  'input',
  'instructions',
  'max_output_tokens',
  'reasoning',
  'temperature',
  'text',
  'top_p',
  'truncation',
  'tools',
  'stream',
];
const VLLM_FIELDS = [
  'background',
  'include',
  'input',
  'instructions',
  'max_output_tokens',
  'max_tool_calls',
  'metadata',
  'model',
  'logit_bias',
  'parallel_tool_calls',
  'previous_response_id',
  'prompt',
  'reasoning',
  'service_tier',
  'store',
  'stream',
  'temperature',
  'text',
  'tool_choice',
  'tools',
  'top_logprobs',
  'top_p',
  'top_k',
  'truncation',
  'user',
  'prompt_cache_key',
];
const LITELLM_SUPPORTED = [
  'input',
  'model',
  'instructions',
  'max_output_tokens',
  'metadata',
  'parallel_tool_calls',
  'previous_response_id',
  'reasoning',
  'stream',
  'temperature',
  'text',
  'tool_choice',
  'tools',
  'top_p',
  'user',
];

const bearer = (h: IncomingHttpHeaders) =>
  h.authorization?.startsWith('Bearer ') ? h.authorization.slice(7).trim() : undefined;
const openaiError = (
  status: number,
  message: string,
  param: string | null = null,
  code: string | null = null,
): Admission => ({
  ok: false,
  status,
  body: { error: { message, type: 'invalid_request_error', param, code } },
});

function keep(body: Json, fields: string[]): { body: Json; ignored: string[] } {
  const kept: Json = {};
  const ignored: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (fields.includes(k)) kept[k] = v;
    else ignored.push(k);
  }
  return { body: kept, ignored };
}

/** Null when the server would authenticate the request; otherwise its refusal (OpenAI's own check is the fake's). */
export function authenticate(
  profile: Exclude<ProfileName, 'openai'>,
  headers: IncomingHttpHeaders,
  apiKey: string,
): Admission | null {
  switch (profile) {
    case 'ollama':
      return null;
    case 'azure': {
      const key = typeof headers['api-key'] === 'string' ? headers['api-key'] : bearer(headers);
      if (key === apiKey) return null;
      const message =
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';
      return { ok: false, status: 401, body: { error: { code: '401', message } } };
    }
    case 'litellm':
      if (bearer(headers) === apiKey) return null;
      return {
        ok: false,
        status: 401,
        body: {
          error: {
            message: 'Authentication Error, Invalid proxy server token passed.',
            type: 'auth_error',
            param: 'None',
            code: '401',
          },
        },
      };
    case 'vllm':
      return bearer(headers) === apiKey ? null : { ok: false, status: 401, body: { error: 'Unauthorized' } };
  }
}

/** What the server makes of a create request OpenAI would accept. */
export function admit(profile: ProfileName, body: Json, ctx: ProfileContext): Admission {
  switch (profile) {
    case 'openai':
      return { ok: true, body, ignored: [] };
    case 'ollama': {
      const { body: kept, ignored } = keep(body, OLLAMA_FIELDS);
      return { ok: true, body: kept, ignored };
    }
    case 'vllm': {
      const { body: kept, ignored } = keep(body, VLLM_FIELDS);
      if ('prompt_cache_key' in kept) ignored.push('prompt_cache_key');
      const prev = kept.previous_response_id;
      if (typeof prev === 'string') {
        if (!prev.startsWith('resp_'))
          return openaiError(
            400,
            `Invalid 'response_id': '${prev}'. Expected an ID that begins with 'resp'.`,
            'response_id',
          );
        return openaiError(404, `Response with id '${prev}' not found.`, 'response_id');
      }
      // Without VLLM_ENABLE_RESPONSES_API_STORE the server turns store off instead of refusing it.
      return { ok: true, body: { ...kept, store: false }, ignored };
    }
    case 'litellm': {
      const unsupported = Object.keys(body).filter((k) => !LITELLM_SUPPORTED.includes(k));
      if (unsupported.length) {
        const dict = `{${unsupported.map((k) => `'${k}': ${JSON.stringify(body[k])}`).join(', ')}}`;
        const message = `litellm.UnsupportedParamsError: hosted_vllm does not support parameters: ${dict}, for model=${body.model}. To drop these, set \`litellm.drop_params=True\` or for proxy:\n\n\`litellm_settings:\n drop_params: true\`\n`;
        return { ok: false, status: 500, body: { error: { message, type: 'None', param: 'None', code: '500' } } };
      }
      return { ok: true, body, ignored: [] };
    }
    case 'azure': {
      const model = ctx.deployments[String(body.model)];
      if (!model)
        return {
          ok: false,
          status: 404,
          body: {
            error: {
              code: 'DeploymentNotFound',
              message:
                'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
            },
          },
        };
      return { ok: true, body: { ...body, model }, ignored: [], model };
    }
  }
}
