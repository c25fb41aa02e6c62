import type { Logger } from 'pino';
import type { FileConfig } from '../../config/file-schema.js';
import type { SettingsSource } from '../../config/live-settings.js';
import type { OpenAIRateLimiter } from '../../platform/openai/rate-limiter.js';
import type { CommandRouter } from '../../platform/slack/command-router.js';
import type { UserLanguages } from '../../platform/slack/user-languages.js';
import type { SlackWorkspaces } from '../../platform/slack/workspaces.js';
import type { RedisClient } from '../../platform/store/redis-client.js';
import type { ModelPort } from '../../turn/ports.js';
import type { Admins } from '../access/admins.js';
import { type Budget, createBudget } from './budget-wiring.js';
import type { PriceTable } from './prices.js';
import { usageSubcommand } from './usage-command.js';

export interface UsageFeatureDeps {
  file: FileConfig;
  settings: SettingsSource;
  admins: Admins;
  /** The raw model port; the budget puts the limiter, the context fitter and the quotas around it. */
  model: ModelPort;
  limiter: OpenAIRateLimiter;
  prices: PriceTable;
  redis?: RedisClient;
  commands: CommandRouter;
  /** The bots that DM the admins. */
  workspaces: SlackWorkspaces;
  /** Each admin's language for those DMs. */
  languages: UserLanguages;
  log: Logger;
}

/** Quotas, counters, admin alerts and the context budget every model call goes through; `/threadwise usage`. */
export function wire(deps: UsageFeatureDeps): Budget {
  const budget = createBudget(deps.file, deps.model, deps.limiter, deps.prices, deps.log, deps.workspaces, deps.redis, {
    settings: deps.settings,
    admins: deps.admins,
    languages: deps.languages,
  });
  deps.commands.add(
    usageSubcommand({
      usage: budget.usage,
      limits: () => deps.settings.current().limits,
      isAdmin: deps.admins.includes,
    }),
  );
  return budget;
}
