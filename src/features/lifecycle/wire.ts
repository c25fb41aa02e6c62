import type { Env } from '../../config/env.js';
import type { FileConfig } from '../../config/file-schema.js';
import type { Translators } from '../../i18n/translators.js';
import type { Logger } from '../../platform/observability/logger.js';
import type { Metrics } from '../../platform/observability/metrics.js';
import type { ReadinessCheck } from '../../platform/observability/ops-routes.js';
import type { AdminAlerts } from '../../turn/ports.js';
import { createOpenAIClient } from '../answering/turn-setup.js';
import { modelsInUse } from './models-in-use.js';
import { ModelShutdownGuard } from './shutdown-guard.js';

export interface LifecycleDeps {
  env: Env;
  file: FileConfig;
  metrics: Metrics;
  log: Logger;
  alerts: AdminAlerts;
  /** The workspaces whose admins hear about shutdowns (single-token mode: the bot's). */
  teams: () => string[];
  readiness: Record<string, ReadinessCheck>;
  translators: Translators;
  /** Time between checks; a day unless a test says otherwise. */
  intervalMs?: number;
}

/** The model shutdown guard: checked at start-up and daily, shown in /readyz, the log, App Home and admins' DMs. */
export function wire(deps: LifecycleDeps): ModelShutdownGuard {
  const guard = new ModelShutdownGuard(
    createOpenAIClient(deps.env, deps.file),
    {
      models: modelsInUse(deps.file, deps.env.OPENAI_MODEL),
      timeoutMs: 10_000,
      intervalMs: deps.intervalMs ?? 86_400_000,
      teams: deps.teams,
      hasFallback: Boolean(deps.file.openai.fallback_model),
      english: deps.translators.english,
    },
    deps.alerts,
    deps.metrics.modelShutdownDays,
    deps.log.child({ component: 'models' }),
  );
  deps.readiness.models = {
    ok: async () => guard.ready(),
    detail: () => guard.warnings().join('; ') || undefined,
  };
  return guard;
}
