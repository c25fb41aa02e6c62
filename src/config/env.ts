import { z } from 'zod';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Environment settings: secrets and deployment wiring. Non-secret behaviour lives in THREADWISE_CONFIG. */
export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'is required: the bot token (xoxb-…) from OAuth & Permissions in your Slack app settings' })
      .regex(/^xoxb-/, { error: 'must be a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)' }),
    SLACK_APP_TOKEN: z
      .string()
      .regex(/^xapp-/, { error: 'must be an app-level token starting with xapp- with the connections:write scope (Basic Information → App-Level Tokens)' })
      .optional(),
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    SLACK_API_URL: z.url({ error: 'must be a URL such as https://slack.com/api/' }).optional(),
    OPENAI_API_KEY: z.string({ error: 'is required: an API key from the OpenAI dashboard (any non-empty value for keyless compatible servers)' }).min(1, { error: 'must not be empty' }),
    OPENAI_BASE_URL: z.url({ error: 'must be a URL such as https://api.openai.com/v1' }).optional(),
    OPENAI_MODEL: z.string().min(1).default('gpt-4o'),
    REDIS_URL: z.url({ error: 'must be a redis:// or rediss:// URL' }).refine((u) => /^rediss?:/.test(u), { error: 'must use redis:// or rediss://' }).optional(),
    THREADWISE_CONFIG: z.string().min(1).optional(),
    PORT: z.coerce.number({ error: 'must be a port number' }).int().min(0).max(65535).default(3000),
    LOG_LEVEL: z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` }).default('info'),
    NODE_ENV: z.string().optional(),
    JIRA_BASE_URL: z.url({ error: 'must be your Jira Cloud URL, such as https://your-site.atlassian.net' }).optional(),
    JIRA_EMAIL: z.email({ error: 'must be the email of the Atlassian account the API token belongs to' }).optional(),
    JIRA_API_TOKEN: z.string().min(1).optional(),
    ZENDESK_SUBDOMAIN: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be the subdomain only: acme for acme.zendesk.com' }).optional(),
    ZENDESK_EMAIL: z.email({ error: 'must be the email of the Zendesk agent the API token acts as' }).optional(),
    ZENDESK_API_TOKEN: z.string().min(1).optional(),
    GITHUB_TOKEN: z.string().min(1).optional(),
    GITHUB_REPO: z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'must be owner/repository, such as acme/support' }).optional(),
    GITHUB_API_URL: z.url({ error: 'must be a URL such as https://api.github.com (or https://HOST/api/v3 for GitHub Enterprise Server)' }).optional(),
  });

const PROVIDER_ENV: Record<string, Array<[string, string]>> = {
  jira: [
    ['JIRA_BASE_URL', 'your Jira Cloud URL, such as https://your-site.atlassian.net'],
    ['JIRA_EMAIL', 'the Atlassian account email the API token belongs to'],
    ['JIRA_API_TOKEN', 'an API token from id.atlassian.com → Security → API tokens'],
  ],
  zendesk: [
    ['ZENDESK_SUBDOMAIN', 'acme for acme.zendesk.com'],
    ['ZENDESK_EMAIL', 'the agent email the API token acts as'],
    ['ZENDESK_API_TOKEN', 'a token from Admin Center → Apps and integrations → Zendesk API'],
  ],
  github: [
    ['GITHUB_TOKEN', 'a fine-grained token with Issues read and write on the repository'],
    ['GITHUB_REPO', 'owner/repository'],
  ],
};

/** Credentials the configured ticket provider cannot work without (names only, never values). */
export function providerEnvProblems(provider: string | undefined, source: NodeJS.ProcessEnv): string[] {
  return (PROVIDER_ENV[provider ?? ''] ?? [])
    .filter(([name]) => !source[name])
    .map(([name, hint]) => `${name} is required for tickets.provider ${provider}: ${hint}`);
}

/** Cross-field rules, checked even when single fields fail so that one message lists everything. */
export function envModeProblems(source: NodeJS.ProcessEnv): string[] {
  if (source.SLACK_APP_TOKEN || source.SLACK_SIGNING_SECRET) return [];
  return ['SLACK_SIGNING_SECRET is required in HTTP mode (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode'];
}

export type Env = z.infer<typeof envSchema>;

/** Environment variables whose values must never reach logs, errors or Slack. */
export const secretEnvKeys = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'OPENAI_API_KEY',
  'REDIS_URL',
  'JIRA_API_TOKEN',
  'ZENDESK_API_TOKEN',
  'GITHUB_TOKEN',
] as const;
