import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Environment settings: secrets and deployment wiring. Non-secret behaviour lives in THREADWISE_CONFIG. */
export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string()
      .regex(/^xoxb-/, { error: 'must be a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)' })
      .optional(),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, { error: 'must be an app-level token starting with xapp- with the connections:write scope (Basic Information → App-Level Tokens)' })
      .optional(),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    // OAuth (many workspaces): all three together switch the bot from one token to per-workspace installations.
    SLACK_CLIENT_ID: z.string().regex(/^\d+\.\d+$/, { error: 'must be the Client ID from Basic Information → App Credentials (digits.digits)' }).optional(),
    SLACK_CLIENT_SECRET: z.string().min(8, { error: 'must be the Client Secret from Basic Information → App Credentials' }).optional(),
    SLACK_STATE_SECRET: z.string().min(16, { error: 'must be a random string of at least 16 characters (it signs the OAuth state)' }).optional(),
    /** Public base URL used to build the OAuth redirect URI (https://bot.example.com). */
    SLACK_REDIRECT_URL: z.url({ error: 'must be the full https URL of /slack/oauth_redirect' }).optional(),
    SLACK_API_URL: z.url({ error: 'must be a URL such as https://slack.com/api/' }).optional(),
    OPENAI_API_KEY: z.string({ error: 'is required: an API key from the OpenAI dashboard (any non-empty value for keyless compatible servers)' }).min(1, { error: 'must not be empty' }),
    OPENAI_BASE_URL: z.url({ error: 'must be a URL such as https://api.openai.com/v1' }).optional(),
    OPENAI_MODEL: z.string().min(1).default('gpt-4o'),
    REDIS_URL: z.url({ error: 'must be a redis:// or rediss:// URL' }).refine((u) => /^rediss?:/.test(u), { error: 'must use redis:// or rediss://' }).optional(),
    THREADWISE_CONFIG: z.string().min(1).optional(),
    PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
    NODE_ENV: z.string().optional(),
  });

/** Cross-field rules, checked even when single fields fail so that one message lists everything. */
export function envModeProblems(source: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (!source.SLACK_APP_TOKEN && !source.SLACK_SIGNING_SECRET) {
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode');
  }
  const oauthKeys = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;
  const oauthSet = oauthKeys.filter((k) => source[k]);
  if (oauthSet.length > 0 && oauthSet.length < oauthKeys.length) {
    problems.push(`OAuth needs ${oauthKeys.join(', ')} together; missing ${oauthKeys.filter((k) => !source[k]).join(', ')}`);
  }
  if (oauthSet.length === 0 && !source.SLACK_BOT_TOKEN) {
    problems.push('SLACK_BOT_TOKEN is required: the bot token (xoxb-…) from OAuth & Permissions in your Slack app settings; or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET to serve many workspaces through OAuth');
  }
  return problems;
}

/** Whether the deployment installs into many workspaces through OAuth instead of using one bot token. */
export const oauthEnabled = (env: Env): boolean => Boolean(env.SLACK_CLIENT_ID && env.SLACK_CLIENT_SECRET && env.SLACK_STATE_SECRET);

export type Env = z.infer<typeof envSchema>;

/** Environment variables whose values must never reach logs, errors or Slack. */
export const secretEnvKeys = ['SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'OPENAI_API_KEY', 'REDIS_URL'] as const;
