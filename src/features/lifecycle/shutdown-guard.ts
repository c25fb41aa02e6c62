import type OpenAI from 'openai';
import type { Logger } from 'pino';
import type { Gauge } from 'prom-client';
import type { Translator } from '../../i18n/translators.js';
import { askWithKey } from '../../platform/openai/key-check.js';
import type { AdminAlerts } from '../../turn/ports.js';
import { SHUTDOWN_THRESHOLDS } from '../usage/admin-alerts.js';
import type { ModelUse } from './models-in-use.js';

const DAY_MS = 86_400_000;
/** Warnings start at the first alert threshold. */
const WARN_DAYS = SHUTDOWN_THRESHOLDS[0];

/** What the last check learned about one configured model. */
export type ModelStatus = ModelUse &
  (
    | { state: 'active'; shutdownDate: string | null; daysLeft?: number }
    /** OpenAI answered model_not_found: shut down, retired or never there. */
    | { state: 'missing' }
    /** Not checked yet, no answer, or a server without the Models endpoint (compat presets): nothing known. */
    | { state: 'unknown' }
  );

export interface ShutdownGuardOptions {
  models: ModelUse[];
  timeoutMs: number;
  /** Time between checks (daily). */
  intervalMs: number;
  /** Workspaces whose admins get the DMs (single-token mode: the one workspace). */
  teams: () => string[];
  /** Whether `openai.fallback_model` is set: a missing model is then a warning, not an outage. */
  hasFallback: boolean;
  /** The words of the log and /readyz, which operators read (App Home passes the viewer's translator). */
  english: Translator;
  now?: () => number;
}

/** Whole days from now until the start of the shutdown day (UTC); 0 or less: the model is already shut down. */
export function daysUntil(date: string, now: number): number {
  // + 0: the day of the shutdown reads 0, not -0.
  return Math.ceil((Date.parse(`${date}T00:00:00Z`) - now) / DAY_MS) + 0;
}

/** The alert threshold a model with `days` left has reached: the smallest one at or above it (60, 30, 7, 1). */
export function thresholdReached(days: number): number | undefined {
  return [...SHUTDOWN_THRESHOLDS].reverse().find((t) => days <= t && days > 0);
}

/** One line per model that needs attention, for the log and /readyz (English) and App Home (the viewer's). */
export function warningFor(t: Translator, s: ModelStatus): string | undefined {
  const uses = t.list(s.uses);
  if (s.state === 'missing') return t.t('models.missing', { model: s.model, uses });
  if (s.state !== 'active' || !s.shutdownDate || s.daysLeft === undefined || s.daysLeft > WARN_DAYS) return undefined;
  const at = { model: s.model, date: s.shutdownDate, uses };
  if (s.daysLeft <= 0) return t.t('models.shut_down', at);
  return t.t('models.shuts_down', { ...at, days: s.daysLeft });
}

/**
 * Reads `GET /v1/models/{id}` for every configured model at start-up (in the background) and daily: the days to
 * each `shutdown_date` as a gauge, a warning in the log within 60 days, and a DM to `limits.admins` at 60, 30, 7
 * and 1 days, once each (the admin-alert ledger is shared by replicas). Servers without the endpoint are skipped
 * quietly.
 */
export class ModelShutdownGuard {
  private statuses: ModelStatus[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ModelStatus[]> | undefined;

  constructor(
    private readonly client: OpenAI,
    private readonly options: ShutdownGuardOptions,
    private readonly alerts: AdminAlerts | undefined,
    private readonly gauge: Gauge<'model'> | undefined,
    private readonly log: Logger,
  ) {
    this.statuses = options.models.map((m) => ({ ...m, state: 'unknown' }));
  }

  get status(): readonly ModelStatus[] {
    return this.statuses;
  }

  warnings(t: Translator = this.options.english): string[] {
    return this.statuses.flatMap((s) => warningFor(t, s) ?? []);
  }

  /** False only when the default model is gone and nothing stands in for it: every answer would fail. */
  ready(): boolean {
    if (this.options.hasFallback) return true;
    const main = this.statuses[0];
    return !(
      main?.state === 'missing' ||
      (main?.state === 'active' && main.daysLeft !== undefined && main.daysLeft <= 0)
    );
  }

  /** Checks now and then every interval; never blocks start-up (the first check runs in the background). */
  start(): Promise<ModelStatus[]> {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
    return this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round over every model; a round still running is joined, not doubled. */
  check(): Promise<ModelStatus[]> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<ModelStatus[]> {
    const now = (this.options.now ?? Date.now)();
    const next = await Promise.all(this.statuses.map((s) => this.checkOne(s, now)));
    this.statuses = next;
    for (const s of next) {
      const warning = warningFor(this.options.english, s);
      if (warning) this.log.warn({ model: s.model, state: s.state }, `model lifecycle: ${warning}`);
      if (s.state === 'active' && s.shutdownDate && s.daysLeft !== undefined)
        await this.alert(s, s.shutdownDate, s.daysLeft);
    }
    this.log.info(
      {
        models: next.map((s) => ({
          model: s.model,
          state: s.state,
          ...(s.state === 'active' ? { shutdown_date: s.shutdownDate, days_left: s.daysLeft } : {}),
        })),
      },
      'model lifecycle checked',
    );
    return next;
  }

  private async checkOne(before: ModelStatus, now: number): Promise<ModelStatus> {
    const { model, uses } = before;
    const answer = await askWithKey(this.client, model, this.options.timeoutMs);
    if (answer.kind !== 'accepted') {
      // No answer or a refused key (the key check reports that): keep what was known, ask again next round.
      this.log.debug({ model, answer: answer.kind }, 'model lifecycle: no answer from the Models API');
      return before;
    }
    if (answer.modelMissing) {
      this.gauge?.remove({ model });
      return { model, uses, state: 'missing' };
    }
    if (!answer.model) {
      this.log.debug({ model }, 'model lifecycle: this server has no Models API; shutdown dates are not checked');
      return { model, uses, state: 'unknown' };
    }
    const { shutdownDate } = answer.model;
    if (!shutdownDate) {
      this.gauge?.remove({ model });
      return { model, uses, state: 'active', shutdownDate: null };
    }
    const daysLeft = daysUntil(shutdownDate, now);
    this.gauge?.set({ model }, daysLeft);
    return { model, uses, state: 'active', shutdownDate, daysLeft };
  }

  private async alert(s: ModelStatus, shutdownDate: string, days: number): Promise<void> {
    const threshold = thresholdReached(days);
    if (threshold === undefined || !this.alerts) return;
    for (const teamId of this.options.teams())
      await this.alerts.raise({ problem: 'model_shutdown', teamId, model: s.model, shutdownDate, days, threshold });
  }
}
