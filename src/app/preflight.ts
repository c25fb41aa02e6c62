import { ConfigError } from '../config/errors.js';
import { type Config, collectConfig, configBaseDir } from '../config/load.js';
import { loadToolFiles } from '../features/tools/setup.js';

/**
 * Every start-up problem at once, before anything connects anywhere: the settings, and the files they name
 * (`tickets.file`, `policies.dir`). Throws a ConfigError listing them all.
 */
export async function preflight(raw: NodeJS.ProcessEnv): Promise<Config> {
  const { config, file, problems } = collectConfig(raw);
  if (file) problems.push(...(await loadToolFiles(file, configBaseDir(raw.THREADWISE_CONFIG || undefined))).problems);
  if (!config || problems.length) throw new ConfigError(problems);
  return config;
}
