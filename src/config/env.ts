import { z } from 'zod';
import { createSecretBox, parseSecretKey, type SecretBox } from '../lib/secret-box.js';
import { isPlaceholder, PLACEHOLDER_ERROR } from './placeholders.js';
import { redisModeProblems, redisSeeds } from './redis-env.js';

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A credential: a string that is not a placeholder left from .env.example. */
const credential = () => z.string().refine((v) => !isPlaceholder(v), { error: PLACEHOLDER_ERROR });

/** Environment settings: secrets and deployment wiring. Non-secret behaviour lives in THREADWISE_CONFIG. */
export const envSchema = z.object({
  SLACK_BOT_TOKEN: credential()
    .regex(/^xoxb-/, { error: 'must be a bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)' })
    .optional()
    .describe(
      'Bot token (xoxb-…) from OAuth & Permissions. Required unless OAuth (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET) serves many workspaces.',
    ),
  SLACK_APP_TOKEN: credential()
    .regex(/^xapp-/, {
      error:
        'must be an app-level token starting with xapp- with the connections:write scope (Basic Information → App-Level Tokens)',
    })
    .optional()
    .describe(
      'App-level token (xapp-…, scope connections:write). When set, Threadwise connects over Socket Mode instead of receiving HTTP events.',
    ),
  SLACK_SIGNING_SECRET: credential()
    .min(1)
    .optional()
    .describe('Signing secret from Basic Information; verifies HTTP events. Required in HTTP mode.'),
  SLACK_CLIENT_ID: z
    .string()
    .regex(/^\d+\.\d+$/, { error: 'must be the Client ID from Basic Information → App Credentials (digits.digits)' })
    .optional()
    .describe(
      'OAuth Client ID; with SLACK_CLIENT_SECRET and SLACK_STATE_SECRET it turns on per-workspace installations at /slack/install.',
    ),
  SLACK_CLIENT_SECRET: credential()
    .min(8, { error: 'must be the Client Secret from Basic Information → App Credentials' })
    .optional()
    .describe('OAuth Client Secret (secret; redacted from logs).'),
  SLACK_STATE_SECRET: credential()
    .min(16, { error: 'must be a random string of at least 16 characters (it signs the OAuth state)' })
    .optional()
    .describe('Random string of 16+ characters that signs the OAuth state (secret; redacted from logs).'),
  SLACK_REDIRECT_URL: z
    .url({ error: 'must be the full https URL of /slack/oauth_redirect' })
    .optional()
    .describe('Public https URL of /slack/oauth_redirect (the OAuth redirect URI).'),
  SLACK_API_URL: z
    .url({ error: 'must be a URL such as https://slack.com/api/' })
    .optional()
    .describe('Slack Web API base URL; only for tests and proxies.'),
  OPENAI_API_KEY: z
    .string({
      error: 'is required: an API key from the OpenAI dashboard (any non-empty value for keyless compatible servers)',
    })
    .min(1, { error: 'must not be empty' })
    .refine((v) => !isPlaceholder(v), { error: PLACEHOLDER_ERROR })
    .describe('API key for OPENAI_BASE_URL (any non-empty value for keyless servers such as Ollama). Required.'),
  OPENAI_BASE_URL: z
    .url({ error: 'must be a URL such as https://api.openai.com/v1' })
    .optional()
    .describe(
      'Responses API base URL for an OpenAI-compatible server (Azure OpenAI, vLLM, Ollama, LiteLLM); OpenAI when unset. See docs/compatibility.md.',
    ),
  OPENAI_MODEL: z
    .string()
    .min(1)
    .default('gpt-4o')
    .describe('Default model id (an Azure deployment name on Azure); channels may override it.'),
  REDIS_URL: z
    .url({ error: 'must be a redis:// or rediss:// URL' })
    .refine((u) => /^rediss?:/.test(u), { error: 'must use redis:// or rediss://' })
    .optional()
    .describe(
      'redis:// or rediss:// URL for conversations and dedupe state. Without it state lives in memory: lost on restart, not shared between replicas.',
    ),
  THREADWISE_ENCRYPTION_KEY: credential()
    .refine((v) => validKey(v), {
      error: 'must be 32 random bytes as 64 hex characters or base64 (for example: openssl rand -base64 32)',
    })
    .optional()
    .describe(
      'Key that encrypts secrets kept in Redis (installation tokens, per-user sign-ins) with AES-256-GCM: 32 random bytes, hex or base64 (`openssl rand -base64 32`). Secret; redacted from logs.',
    ),
  THREADWISE_ENCRYPTION_KEY_PREVIOUS: credential()
    .refine((v) => validKey(v), {
      error: 'must be 32 random bytes as 64 hex characters or base64, like THREADWISE_ENCRYPTION_KEY',
    })
    .optional()
    .describe(
      'During a key rotation: the key THREADWISE_ENCRYPTION_KEY replaces. Records sealed with it still open and are sealed again with the new key. Secret.',
    ),
  THREADWISE_PUBLIC_URL: z
    .url({
      error: 'must be the https URL people reach the bot’s HTTP server at, such as https://threadwise.example.com',
    })
    .optional()
    .describe(
      'Public URL of the bot’s HTTP server; MCP servers with auth: per_user_oauth send people back to <it>/mcp/oauth/callback after they sign in.',
    ),
  REDIS_CLUSTER_NODES: z
    .string()
    .refine((v) => redisSeeds(v).every((s) => s.ok), {
      error:
        'must be comma-separated host:port seeds (or redis:// / rediss:// URLs), such as 10.0.0.1:6379,10.0.0.2:6379',
    })
    .optional()
    .describe(
      'Redis Cluster instead of REDIS_URL: comma-separated host:port seeds of the cluster. Write a seed as rediss://user:password@host:port for TLS and a password (used for every node). See docs/deployment.md.',
    ),
  REDIS_SENTINELS: z
    .string()
    .refine((v) => redisSeeds(v).every((s) => s.ok), {
      error:
        'must be comma-separated host:port of the sentinels (or redis:// / rediss:// URLs), such as 10.0.0.1:26379',
    })
    .optional()
    .describe(
      'Redis Sentinel instead of REDIS_URL: comma-separated host:port of the sentinels, with REDIS_SENTINEL_NAME. A seed written as rediss://user:password@host:port gives TLS and the password for the sentinels and the master.',
    ),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[\w.-]+$/, { error: 'must be the master name the sentinels monitor (sentinel monitor <name> …)' })
    .optional()
    .describe('Name of the master the sentinels monitor (`sentinel monitor <name> …`); required with REDIS_SENTINELS.'),
  THREADWISE_CONFIG: z.string().min(1).optional().describe('Path to the YAML settings file described below.'),
  PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int()
    .min(0)
    .max(65535)
    .default(3000)
    .describe('HTTP port for Slack events (HTTP mode) and /healthz, /readyz, /metrics (both modes).'),
  LOG_LEVEL: z
    .enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` })
    .default('info')
    .describe('Minimum log level.'),
  NODE_ENV: z
    .string()
    .optional()
    .describe('`development` prints human-readable logs; anything else prints JSON lines.'),
  JIRA_BASE_URL: z
    .url({ error: 'must be your Jira Cloud URL, such as https://your-site.atlassian.net' })
    .optional()
    .describe('Jira Cloud site URL, for tickets.provider: jira.'),
  JIRA_EMAIL: z
    .email({ error: 'must be the email of the Atlassian account the API token belongs to' })
    .optional()
    .describe('Atlassian account email the Jira API token belongs to.'),
  JIRA_API_TOKEN: credential().min(1).optional().describe('Jira API token (secret; redacted from logs).'),
  ZENDESK_SUBDOMAIN: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be the subdomain only: acme for acme.zendesk.com' })
    .optional()
    .describe('Zendesk subdomain, for tickets.provider: zendesk.'),
  ZENDESK_EMAIL: z
    .email({ error: 'must be the email of the Zendesk agent the API token acts as' })
    .optional()
    .describe('Email of the Zendesk agent the API token acts as.'),
  ZENDESK_API_TOKEN: credential().min(1).optional().describe('Zendesk API token (secret; redacted from logs).'),
  GITHUB_TOKEN: credential()
    .min(1)
    .optional()
    .describe('GitHub token with issues access, for tickets.provider: github (secret; redacted from logs).'),
  GITHUB_REPO: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, { error: 'must be owner/repository, such as acme/support' })
    .optional()
    .describe('owner/repository whose issues are the tickets.'),
  GITHUB_API_URL: z
    .url({
      error: 'must be a URL such as https://api.github.com (or https://HOST/api/v3 for GitHub Enterprise Server)',
    })
    .optional()
    .describe('GitHub API URL; https://HOST/api/v3 for GitHub Enterprise Server.'),
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
  const problems: string[] = [];
  if (!source.SLACK_APP_TOKEN && !source.SLACK_SIGNING_SECRET) {
    problems.push(
      'SLACK_SIGNING_SECRET is required in HTTP mode (Basic Information → Signing Secret); or set SLACK_APP_TOKEN for Socket Mode',
    );
  }
  const oauthKeys = ['SLACK_CLIENT_ID', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET'] as const;
  const oauthSet = oauthKeys.filter((k) => source[k]);
  if (oauthSet.length > 0 && oauthSet.length < oauthKeys.length) {
    problems.push(
      `OAuth needs ${oauthKeys.join(', ')} together; missing ${oauthKeys.filter((k) => !source[k]).join(', ')}`,
    );
  }
  if (oauthSet.length === 0 && !source.SLACK_BOT_TOKEN) {
    problems.push(
      'SLACK_BOT_TOKEN is required: the bot token (xoxb-…) from OAuth & Permissions in your Slack app settings; or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET to serve many workspaces through OAuth',
    );
  }
  problems.push(...redisModeProblems(source));
  return problems;
}

/** Whether the deployment installs into many workspaces through OAuth instead of using one bot token. */
export const oauthEnabled = (env: Env): boolean =>
  Boolean(env.SLACK_CLIENT_ID && env.SLACK_CLIENT_SECRET && env.SLACK_STATE_SECRET);

export type Env = z.infer<typeof envSchema>;

function validKey(text: string): boolean {
  try {
    parseSecretKey(text, 'key');
    return true;
  } catch {
    return false;
  }
}

/** The box that seals secrets at rest, or undefined when no key is configured (callers decide if that is allowed). */
export function secretBoxFor(
  env: Pick<Env, 'THREADWISE_ENCRYPTION_KEY' | 'THREADWISE_ENCRYPTION_KEY_PREVIOUS'>,
): SecretBox | undefined {
  if (!env.THREADWISE_ENCRYPTION_KEY) return undefined;
  const keys = [parseSecretKey(env.THREADWISE_ENCRYPTION_KEY, 'THREADWISE_ENCRYPTION_KEY')];
  if (env.THREADWISE_ENCRYPTION_KEY_PREVIOUS) {
    keys.push(parseSecretKey(env.THREADWISE_ENCRYPTION_KEY_PREVIOUS, 'THREADWISE_ENCRYPTION_KEY_PREVIOUS'));
  }
  return createSecretBox(keys);
}

/** Environment variables whose values must never reach logs, errors or Slack. */
export const secretEnvKeys = [
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_CLIENT_SECRET',
  'SLACK_STATE_SECRET',
  'OPENAI_API_KEY',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_SENTINELS',
  'JIRA_API_TOKEN',
  'ZENDESK_API_TOKEN',
  'GITHUB_TOKEN',
  'THREADWISE_ENCRYPTION_KEY',
  'THREADWISE_ENCRYPTION_KEY_PREVIOUS',
] as const;
