import type { Logger } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import { retryAfterMs } from '../../lib/retry-after.js';
import { RateLimitedModel } from '../../platform/openai/limited-model.js';
import { OpenAIRateLimiter } from '../../platform/openai/rate-limiter.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import { storeKeys } from '../../platform/store/keys.js';
import type { RedisClient } from '../../platform/store/redis-client.js';
import { ContextFitter } from '../../turn/fit-request.js';
import { itemImageTokens } from '../../turn/image-tokens.js';
import type { ModelPort, PriceOf } from '../../turn/ports.js';
import { Summarizer } from '../../turn/summarize.js';
import { TokenCounter } from '../../turn/tokens.js';
import type { Admins } from '../access/admins.js';
import { SlackAdminAlerts } from './admin-alerts.js';
import { MemoryAlertLedger, RedisAlertLedger } from './alert-ledger.js';
import { createUsageStore } from './index.js';
import { type PriceTable, priceOfTable } from './prices.js';
import { QuotaService } from './quota.js';
import type { UsageStore } from './types.js';

/** The app-level limiter, fed by the headers of every OpenAI answer; a 429 holds everyone back until it passes. */
export function createLimiter(file: FileConfig): {
  limiter: OpenAIRateLimiter;
  onHeaders: (headers: Headers, status: number) => void;
} {
  const limiter = new OpenAIRateLimiter({
    maxConcurrent: file.rate_limits.max_concurrent_calls,
    tokensPerMinute: file.rate_limits.tokens_per_minute,
  });
  const onHeaders = (headers: Headers, status: number) => {
    limiter.observe(headers);
    if (status === 429) limiter.pause(retryAfterMs(headers) ?? 1_000);
  };
  return { limiter, onHeaders };
}

export interface Budget {
  model: ModelPort;
  context: ContextFitter;
  quota: QuotaService;
  prices: PriceTable;
  priceOf: PriceOf;
  usage: UsageStore;
  /** Direct messages to `limits.admins` about problems only they can fix (the OpenAI account out of quota). */
  alerts: SlackAdminAlerts;
}

/** Context budget, limiter, prices and quotas around the raw OpenAI model port. */
export function createBudget(
  file: FileConfig,
  raw: ModelPort,
  limiter: OpenAIRateLimiter,
  prices: PriceTable,
  log: Logger,
  workspaces: SlackWorkspaces,
  redis: RedisClient | undefined,
  live: { settings: SettingsSource; admins: Admins; languages: Pick<UserLanguages, 'of'> },
): Budget {
  // Images count by the gpt-4o tile formula, so a screenshot-heavy thread is trimmed like a wordy one.
  const counter = new TokenCounter({ extraTokens: itemImageTokens });
  const model = new RateLimitedModel(raw, limiter, counter);
  const summarizer = file.context.summarize_model ? new Summarizer(file.context.summarize_model, counter) : undefined;
  const usage = createUsageStore(file.state.key_prefix, redis);
  const keys = storeKeys(file.state.key_prefix);
  const ledger = redis ? new RedisAlertLedger(redis, keys) : new MemoryAlertLedger(keys);
  return {
    model,
    context: new ContextFitter(counter, file.context.max_input_tokens, summarizer),
    quota: new QuotaService(
      usage,
      () => live.settings.current().limits,
      prices,
      log.child({ component: 'quota' }),
      undefined,
      live.admins.includes,
    ),
    prices,
    priceOf: priceOfTable(prices),
    usage,
    alerts: new SlackAdminAlerts(
      live.admins.of,
      workspaces,
      ledger,
      live.languages,
      log.child({ component: 'alerts' }),
    ),
  };
}
