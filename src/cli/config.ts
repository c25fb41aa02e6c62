import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { envSchema } from '../config/env.js';
import { ConfigError, describeIssues } from '../config/errors.js';
import { type FileConfig, fileConfigSchema } from '../config/file-schema.js';
import { redisModeProblems } from '../config/redis-env.js';
import { UsageError } from './usage-error.js';

/**
 * The settings a command-line job needs: the same variables and THREADWISE_CONFIG file as the bot, but only the
 * ones the command uses are required (an eval needs no Slack token, an export needs no OpenAI key).
 */
const cliEnvSchema = envSchema
  .pick({
    SLACK_API_URL: true,
    OPENAI_BASE_URL: true,
    OPENAI_MODEL: true,
    REDIS_URL: true,
    REDIS_CLUSTER_NODES: true,
    REDIS_SENTINELS: true,
    REDIS_SENTINEL_NAME: true,
    THREADWISE_CONFIG: true,
    LOG_LEVEL: true,
  })
  .extend({
    SLACK_BOT_TOKEN: envSchema.shape.SLACK_BOT_TOKEN.optional(),
    OPENAI_API_KEY: envSchema.shape.OPENAI_API_KEY.optional(),
  });
export type CliEnv = z.infer<typeof cliEnvSchema>;

export type Need = 'slack' | 'openai' | 'redis';

export interface CliConfig {
  env: CliEnv;
  file: FileConfig;
}

const NEEDS: Record<Need, { keys: ReadonlyArray<keyof CliEnv>; why: string }> = {
  slack: { keys: ['SLACK_BOT_TOKEN'], why: 'the bot token (xoxb-…) to read and post Slack messages' },
  openai: { keys: ['OPENAI_API_KEY'], why: 'an OpenAI API key' },
  redis: {
    keys: ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'],
    why: 'the Redis where the bot keeps threads and feedback (or REDIS_CLUSTER_NODES, or REDIS_SENTINELS with REDIS_SENTINEL_NAME)',
  },
};

export function loadCliConfig(source: NodeJS.ProcessEnv, needs: readonly Need[]): CliConfig {
  const problems: string[] = [];
  const env = cliEnvSchema.safeParse(source);
  if (!env.success) problems.push(...describeIssues(env.error.issues));
  for (const need of needs) {
    const { keys, why } = NEEDS[need];
    if (!keys.some((k) => source[k])) problems.push(`${keys[0]} is required for this command: ${why}`);
  }
  problems.push(...redisModeProblems(source));
  let file: FileConfig | undefined = fileConfigSchema.parse({});
  const path = source.THREADWISE_CONFIG;
  if (path) {
    file = undefined;
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(path, 'utf8'));
      const parsed = fileConfigSchema.safeParse(raw ?? {});
      if (parsed.success) file = parsed.data;
      else problems.push(...describeIssues(parsed.error.issues, `THREADWISE_CONFIG (${path}): `));
    } catch (err) {
      problems.push(
        `THREADWISE_CONFIG (${path}) cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0]}`,
      );
    }
  }
  if (problems.length || !env.success || !file) throw new ConfigError(problems);
  return { env: env.data, file };
}

/** "30s", "90m", "36h", "7d", "2w" → seconds and a phrase for reports ("the last 7 days"). */
export function parseDuration(text: string): { seconds: number; label: string } {
  const m = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (!m || Number(m[1]) <= 0)
    throw new UsageError(`"${text}" is not a duration: use a number and a unit, such as 30s, 90m, 36h, 7d or 2w`);
  const n = Number(m[1]);
  const unit = {
    s: ['second', 1],
    m: ['minute', 60],
    h: ['hour', 3600],
    d: ['day', 86_400],
    w: ['week', 604_800],
  } as const;
  const [name, secs] = unit[m[2] as keyof typeof unit];
  return { seconds: n * secs, label: `the last ${n} ${name}${n === 1 ? '' : 's'}` };
}
