import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { envSchema } from '../../../src/config/env.js';
import { loadConfig } from '../../../src/config/load.js';

const root = join(import.meta.dirname, '../../..');
const read = (name: string) => readFileSync(join(root, name), 'utf8');

/** KEY=value lines of an env file, including commented-out examples (`# KEY=value`). */
function envFile(text: string): Array<{ key: string; value: string; commented: boolean }> {
  return [...text.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({
    key: m[2]!,
    value: m[3]!,
    commented: Boolean(m[1]),
  }));
}

describe('deployment files', () => {
  it('.env.example names only variables Threadwise reads, and loads once the blanks are filled', () => {
    const entries = envFile(read('.env.example'));
    const known = Object.keys(envSchema.shape);
    expect(entries.map((e) => e.key).filter((k) => !known.includes(k))).toEqual([]);
    const env = Object.fromEntries(entries.filter((e) => !e.commented).map((e) => [e.key, e.value]));
    // Left empty as shipped, SLACK_APP_TOKEN and OPENAI_BASE_URL count as unset: HTTP mode against OpenAI.
    const config = loadConfig({ ...env, SLACK_SIGNING_SECRET: 'a-signing-secret' });
    expect([config.env.SLACK_APP_TOKEN, config.env.OPENAI_BASE_URL]).toEqual([undefined, undefined]);
    expect(config.env).toMatchObject({ OPENAI_MODEL: 'gpt-4o', NODE_ENV: 'production' });
  });

  it('docker-compose.yml runs the bot against a persistent, append-only Redis and checks readiness', () => {
    const compose = parseYaml(read('docker-compose.yml')) as {
      services: Record<
        string,
        {
          command?: string[];
          volumes?: string[];
          environment?: Record<string, string>;
          healthcheck?: { test: string[] };
          depends_on?: unknown;
        }
      >;
      volumes: Record<string, unknown>;
    };
    const { threadwise, redis } = compose.services;
    expect(redis!.command!.join(' ')).toContain('--appendonly yes');
    expect(redis!.volumes).toContain('redis-data:/data');
    expect(compose.volumes).toHaveProperty('redis-data');
    expect(threadwise!.environment!.REDIS_URL).toBe('redis://redis:6379');
    expect(threadwise!.healthcheck!.test.join(' ')).toContain('/readyz');
    expect(threadwise!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
  });
});
