import OpenAI from 'openai';
import type { Logger } from 'pino';
import { resolveCompat } from '../../config/compat.js';
import type { FileConfig } from '../../config/file-schema.js';
import type { Translators } from '../../i18n/translators.js';
import { type CostOf, meteredModel } from '../../platform/observability/metered-model.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import { FallbackModel } from '../../platform/openai/fallback-model.js';
import { OpenAIModel } from '../../platform/openai/openai-model.js';
import type { ModelPort } from '../../turn/ports.js';
import type { TurnDeps } from '../../turn/run-turn.js';
import type { ThreadStore } from '../../turn/thread.js';
import { withPrivacy } from '../privacy/pii/redacting-model.js';

export interface ModelEnv {
  OPENAI_API_KEY: string;
  OPENAI_BASE_URL?: string | undefined;
}

/**
 * The OpenAI client for the configured server. Azure OpenAI keys go in an `api-key` header; the SDK's
 * Authorization header is then removed (null unsets a default header) so the key is not sent twice.
 */
export function createOpenAIClient(env: ModelEnv, file: FileConfig): OpenAI {
  const apiKeyHeader = file.openai.auth_header === 'api-key';
  return new OpenAI({
    apiKey: env.OPENAI_API_KEY,
    baseURL: env.OPENAI_BASE_URL,
    maxRetries: 0,
    ...(apiKeyHeader ? { defaultHeaders: { 'api-key': env.OPENAI_API_KEY, Authorization: null } } : {}),
  });
}

/** The model port every surface (Slack, the terminal chat) uses: the adapter, metered when metrics are on. */
export interface ModelHooks {
  metrics?: Metrics;
  costOf?: CostOf;
  /** Sees the headers of every answer (the app-level rate limiter reads x-ratelimit-*). */
  onHeaders?: (headers: Headers, status: number) => void;
  /** false: never stand in `openai.fallback_model` (an eval measures the model it names, or fails). */
  fallback?: boolean;
}

export function createModel(env: ModelEnv, file: FileConfig, log: Logger, hooks: ModelHooks = {}): ModelPort {
  const model = new OpenAIModel(
    createOpenAIClient(env, file),
    {
      maxRetries: file.openai.max_retries,
      stallTimeoutMs: file.openai.stall_timeout_ms,
      requestTimeoutMs: file.openai.request_timeout_ms,
      compat: resolveCompat(file.openai.compat),
      onHeaders: hooks.onHeaders,
    },
    log.child({ component: 'openai' }),
  );
  const fallback = file.openai.fallback_model;
  const answering =
    fallback && hooks.fallback !== false
      ? new FallbackModel(model, fallback, log.child({ component: 'openai' }))
      : model;
  const metered = hooks.metrics ? meteredModel(answering, hooks.metrics, hooks.costOf) : answering;
  // Innermost wrapper: whatever the budget, tools and turn put into a request is redacted before it leaves.
  return withPrivacy(metered, file.privacy);
}

/**
 * Everything a turn needs besides its input, built the same way for Slack and for `threadwise chat`, so a
 * capability added here (tools, budgets, files) reaches both surfaces.
 */
export function createTurnDeps(
  file: FileConfig,
  model: ModelPort,
  threads: ThreadStore,
  translators: Translators,
  log: Logger,
): TurnDeps {
  return {
    model,
    threads,
    translators,
    log,
    requestOptions: {
      store: file.openai.store,
      chainPreviousResponse: file.openai.chain_previous_response,
      maxAttachmentBytes: file.files.max_request_bytes,
      ...(file.openai.prompt_cache_retention ? { promptCacheRetention: file.openai.prompt_cache_retention } : {}),
    },
    stallSeconds: Math.round(file.openai.stall_timeout_ms / 1000),
    maxToolRounds: file.tools.max_rounds,
  };
}
