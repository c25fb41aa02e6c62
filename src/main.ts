import { existsSync } from 'node:fs';
import { preflight } from './app/preflight.js';
import { secretEnvKeys } from './config/env.js';
import { ConfigError } from './config/errors.js';
import type { Config } from './config/load.js';
import { scrubSecrets } from './platform/observability/logger.js';

async function main(): Promise<void> {
  // A local .env (the README's set-up) fills in what the environment does not already set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = await preflight(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  // Loaded after the settings are known to be valid, so a configuration error is reported at once.
  const { createThreadwise } = await import('./app/create-threadwise.js');
  const bot = await createThreadwise(config);
  await bot.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    bot.log.info({ signal }, 'shutting down: no new work, letting running turns finish');
    // Closing connections to a dependency that is down must not keep a stopping process alive forever.
    setTimeout(() => {
      bot.log.error('shutdown did not complete in time; exiting');
      process.exit(1);
    }, config.file.queue.shutdown_grace_ms + 15_000).unref();
    bot.stop().then(
      () => process.exit(0),
      (err) => {
        bot.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: Error) => {
  const secrets = secretEnvKeys.map((k) => process.env[k]).filter((v): v is string => Boolean(v));
  process.stderr.write(`Threadwise failed to start: ${scrubSecrets(err.message, secrets)}\n`);
  process.exit(1);
});
