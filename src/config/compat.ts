import { z } from 'zod';

/** Servers with a documented Responses API behaviour that Threadwise has a preset for. */
const COMPAT_PRESETS = ['openai', 'azure', 'vllm', 'ollama', 'litellm'] as const;
export type CompatPreset = (typeof COMPAT_PRESETS)[number];

/** Which optional Responses API request features the server behind OPENAI_BASE_URL really honours. */
export interface ModelCompat {
  /** `store`: the server keeps responses. */
  store: boolean;
  /** `previous_response_id`: the server can continue a stored response (needs `store`). */
  previousResponseId: boolean;
  /** `prompt_cache_key`: routing hint for prompt caching. */
  promptCacheKey: boolean;
  /** `safety_identifier`: hashed end-user id for abuse detection. */
  safetyIdentifier: boolean;
  /** `metadata`: tags stored with the response. */
  metadata: boolean;
  /** `stream_options` (include_obfuscation: false saves bandwidth on OpenAI). */
  streamOptions: boolean;
  /** Hosted tools (web_search, file_search, code_interpreter …) run by the server. */
  hostedTools: boolean;
}

const ALL: ModelCompat = {
  store: true,
  previousResponseId: true,
  promptCacheKey: true,
  safetyIdentifier: true,
  metadata: true,
  streamOptions: true,
  hostedTools: true,
};
const NONE: ModelCompat = {
  store: false,
  previousResponseId: false,
  promptCacheKey: false,
  safetyIdentifier: false,
  metadata: false,
  streamOptions: false,
  hostedTools: false,
};

/**
 * What each server does with each feature; docs/compatibility.md gives the sources. Features a server silently
 * ignores are switched off too: sending them would only pretend (a dropped previous_response_id loses the thread).
 */
export const PRESETS: Record<CompatPreset, ModelCompat> = {
  openai: ALL,
  // Azure OpenAI v1 API: OpenAI's request shape, stored responses and chaining; OpenAI-hosted tools are not all offered.
  azure: { ...ALL, hostedTools: false },
  // vLLM: metadata is accepted; store is silently disabled unless VLLM_ENABLE_RESPONSES_API_STORE=1, so a
  // previous_response_id is answered 404; prompt_cache_key is "not implemented yet"; other fields are ignored.
  vllm: { ...NONE, metadata: true },
  // Ollama: stateless Responses only; every field outside its request struct is dropped without an error.
  ollama: NONE,
  // LiteLLM proxy: models bridged through chat completions forward metadata only; stored responses need its database.
  litellm: { ...NONE, metadata: true },
};

export const compatSchema = z
  .object({
    preset: z
      .enum(COMPAT_PRESETS)
      .default('openai')
      .describe(
        'The kind of server behind OPENAI_BASE_URL: openai, azure, vllm, ollama or litellm. Sets every feature below; each may be overridden.',
      ),
    store: z.boolean().optional().describe('Override: the server stores responses (`store`).'),
    previous_response_id: z
      .boolean()
      .optional()
      .describe('Override: the server continues stored responses (`previous_response_id`).'),
    prompt_cache_key: z.boolean().optional().describe('Override: send `prompt_cache_key`.'),
    safety_identifier: z.boolean().optional().describe('Override: send `safety_identifier` (a hashed user id).'),
    metadata: z.boolean().optional().describe('Override: send `metadata` (app, thread and turn ids).'),
    stream_options: z.boolean().optional().describe('Override: send `stream_options`.'),
    hosted_tools: z
      .boolean()
      .optional()
      .describe('Override: the server runs hosted tools (web search, file search, code interpreter).'),
  })
  .strict();

export type CompatInput = z.infer<typeof compatSchema>;

/** The preset with the explicit overrides applied. */
export function resolveCompat(input: CompatInput): ModelCompat {
  const base = PRESETS[input.preset];
  return {
    store: input.store ?? base.store,
    previousResponseId: input.previous_response_id ?? base.previousResponseId,
    promptCacheKey: input.prompt_cache_key ?? base.promptCacheKey,
    safetyIdentifier: input.safety_identifier ?? base.safetyIdentifier,
    metadata: input.metadata ?? base.metadata,
    streamOptions: input.stream_options ?? base.streamOptions,
    hostedTools: input.hosted_tools ?? base.hostedTools,
  };
}
