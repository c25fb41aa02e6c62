import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Env, envModeProblems, envSchema, providerEnvProblems } from './env.js';
import { ConfigError, describeIssues } from './errors.js';
import { type FileConfig, fileConfigSchema } from './file-schema.js';
import { knowledgeEnv } from './knowledge-env.js';
import { mcpEnvProblems, mcpLabelProblems, mcpSecrets, mcpSignInProblems } from './mcp-schema.js';

export interface Config {
  env: Env;
  file: FileConfig;
  /** Values of the environment variables mcp.servers names (headers, tokens); only the MCP adapter reads them. */
  mcpSecrets?: Record<string, string>;
  /** Values of the environment variables knowledge.sources names (credentials); only their providers read them. */
  knowledgeEnv?: Record<string, string>;
}

/** What the settings say, and every problem found in them; `config` only when there is none. */
export interface CollectedConfig {
  config?: Config;
  /** The file settings, when they parsed (its files can then be checked too). */
  file?: FileConfig;
  problems: string[];
}

/** Validates the environment and the optional YAML file together, collecting every problem instead of throwing. */
export function collectConfig(raw: NodeJS.ProcessEnv): CollectedConfig {
  const source = withoutEmpty(raw);
  const problems: string[] = [];
  const envResult = envSchema.safeParse(source);
  if (!envResult.success) problems.push(...describeIssues(envResult.error.issues));
  problems.push(...envModeProblems(source));
  const file = loadFileConfig(source.THREADWISE_CONFIG, problems);
  if (file) problems.push(...providerEnvProblems(file.tickets?.provider, source));
  if (file)
    problems.push(
      ...mcpEnvProblems(file.mcp, source),
      ...mcpLabelProblems(file),
      ...mcpSignInProblems(file.mcp, source),
    );
  if (problems.length || !envResult.success || !file) return { file, problems };
  return {
    config: {
      env: envResult.data,
      file,
      mcpSecrets: mcpSecrets(file.mcp, source),
      knowledgeEnv: knowledgeEnv(file.knowledge, source),
    },
    file,
    problems,
  };
}

/** Validates the environment and the optional YAML file together, so one message names every problem. */
export function loadConfig(raw: NodeJS.ProcessEnv): Config {
  const { config, problems } = collectConfig(raw);
  if (!config) throw new ConfigError(problems);
  return config;
}

/** Where relative paths in the settings file start: the file's folder (the working directory without a file). */
export function configBaseDir(configPath: string | undefined): string {
  return configPath ? dirname(resolve(configPath)) : process.cwd();
}

/** The settings `threadwise chat` needs: no Slack variables, only the model, the store and the file. */
const chatEnvSchema = envSchema.pick({
  OPENAI_API_KEY: true,
  OPENAI_BASE_URL: true,
  OPENAI_MODEL: true,
  REDIS_URL: true,
  THREADWISE_CONFIG: true,
  LOG_LEVEL: true,
  NODE_ENV: true,
});
export type ChatEnv = z.infer<typeof chatEnvSchema>;

export function loadChatConfig(raw: NodeJS.ProcessEnv): { env: ChatEnv; file: FileConfig } {
  const source = withoutEmpty(raw);
  const problems: string[] = [];
  const envResult = chatEnvSchema.safeParse(source);
  if (!envResult.success) problems.push(...describeIssues(envResult.error.issues));
  const file = loadFileConfig(source.THREADWISE_CONFIG, problems);
  if (problems.length || !envResult.success || !file) throw new ConfigError(problems);
  return { env: envResult.data, file };
}

/** `KEY=` in an env file or compose means "not set", as it does for most tools; it must not fail validation. */
function withoutEmpty(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v.trim() !== ''));
}

/** Reads and validates the settings file again (a reload): the settings, or every problem found in them. */
export function readFileConfig(path: string): { file: FileConfig } | { problems: string[] } {
  const problems: string[] = [];
  // An empty file is most likely one caught mid-save; taken as "all defaults" it would drop every setting.
  const empty = (() => {
    try {
      return readFileSync(path, 'utf8').trim() === '';
    } catch {
      return false;
    }
  })();
  if (empty) return { problems: [`THREADWISE_CONFIG (${path}) is empty; write the settings (or {} for all defaults)`] };
  const file = loadFileConfig(path, problems);
  return file && !problems.length ? { file } : { problems };
}

/** The THREADWISE_CONFIG file, or the defaults when none is set; problems are collected, not thrown. */
function loadFileConfig(path: string | undefined, problems: string[]): FileConfig | undefined {
  if (!path) return fileConfigSchema.parse({});
  const raw = readYaml(path, problems);
  if (raw === undefined) return undefined;
  const fileResult = fileConfigSchema.safeParse(raw ?? {});
  if (fileResult.success) return fileResult.data;
  problems.push(...describeIssues(fileResult.error.issues, `THREADWISE_CONFIG (${path}): `));
  return undefined;
}

function readYaml(path: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(
      `THREADWISE_CONFIG cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}; point it at a readable YAML file or unset it`,
    );
    return undefined;
  }
  try {
    return parseYaml(text);
  } catch (err) {
    problems.push(`THREADWISE_CONFIG (${path}) is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}
