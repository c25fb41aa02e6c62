import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { envModeProblems, envSchema, providerEnvProblems, type Env } from './env.js';
import { ConfigError, describeIssues } from './errors.js';
import { fileConfigSchema, type FileConfig } from './file-schema.js';

export interface Config {
  env: Env;
  file: FileConfig;
}

/** Validates the environment and the optional YAML file together, so one message names every problem. */
export function loadConfig(source: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const envResult = envSchema.safeParse(source);
  if (!envResult.success) problems.push(...describeIssues(envResult.error.issues));
  problems.push(...envModeProblems(source));

  let file: FileConfig | undefined;
  const path = source.THREADWISE_CONFIG;
  if (path) {
    const raw = readYaml(path, problems);
    if (raw !== undefined) {
      const fileResult = fileConfigSchema.safeParse(raw ?? {});
      if (fileResult.success) file = fileResult.data;
      else problems.push(...describeIssues(fileResult.error.issues, `THREADWISE_CONFIG (${path}): `));
    }
  } else {
    file = fileConfigSchema.parse({});
  }

  if (file) problems.push(...providerEnvProblems(file.tickets?.provider, source));
  if (problems.length || !envResult.success || !file) throw new ConfigError(problems);
  return { env: envResult.data, file };
}

function readYaml(path: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`THREADWISE_CONFIG cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}; point it at a readable YAML file or unset it`);
    return undefined;
  }
  try {
    return parseYaml(text);
  } catch (err) {
    problems.push(`THREADWISE_CONFIG (${path}) is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
}
