import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { envSchema } from '../../../src/config/env.js';
import type { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { isPlaceholder, PLACEHOLDER_ERROR } from '../../../src/config/placeholders.js';
import { redisTarget } from '../../../src/config/redis-env.js';

const root = join(import.meta.dirname, '../../..');
/** What a person pastes over the placeholders. */
const REAL: Record<string, string> = {
  SLACK_BOT_TOKEN: 'xoxb-fake-0987654321-AbCdEfGhIjKlMnOpQrStUvWx',
  OPENAI_API_KEY: 'sk-proj-Q2t9Zk3h7Lw0xP4mN8vB1cD6fG2',
};
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
    const filled = Object.fromEntries(
      Object.entries(env).map(([k, v]) => [k, isPlaceholder(v) ? (REAL[k] ?? `no real value for ${k}`) : v]),
    );
    // Left empty as shipped, SLACK_APP_TOKEN and OPENAI_BASE_URL count as unset: HTTP mode against OpenAI.
    const config = loadConfig({ ...filled, SLACK_SIGNING_SECRET: 'a-signing-secret' });
    expect([config.env.SLACK_APP_TOKEN, config.env.OPENAI_BASE_URL]).toEqual([undefined, undefined]);
    expect(config.env).toMatchObject({ OPENAI_MODEL: 'gpt-4o', NODE_ENV: 'production' });
  });

  it('.env.example as shipped is refused, naming each placeholder as a placeholder', () => {
    const env = Object.fromEntries(
      envFile(read('.env.example'))
        .filter((e) => !e.commented)
        .map((e) => [e.key, e.value]),
    );
    const placeholders = Object.keys(env).filter((k) => isPlaceholder(env[k]!));
    expect(placeholders.sort()).toEqual(['OPENAI_API_KEY', 'SLACK_BOT_TOKEN']);
    let problems: string[] = [];
    try {
      loadConfig({ ...env, SLACK_SIGNING_SECRET: 'a-signing-secret' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    for (const key of placeholders) expect(problems).toContain(`${key} ${PLACEHOLDER_ERROR}`);
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

  it('docker-compose.yml has an optional cluster profile: 3 masters + 3 replicas, noeviction, the bot on it', () => {
    type Service = {
      profiles?: string[];
      command?: string[];
      environment?: Record<string, string>;
      depends_on?: Record<string, unknown>;
    };
    const { services } = parseYaml(read('docker-compose.yml')) as { services: Record<string, Service> };
    const nodes = Object.entries(services).filter(([name]) => name.startsWith('redis-node-'));
    expect(nodes).toHaveLength(6);
    for (const [, node] of nodes) {
      expect(node.profiles).toEqual(['cluster']);
      expect(node.command!.join(' ')).toMatch(/--cluster-enabled yes.*--appendonly yes.*--maxmemory-policy noeviction/);
    }
    expect(services['redis-cluster-init']!.command!.join(' ')).toContain('--cluster-replicas 1 --cluster-yes');
    const bot = services['threadwise-cluster']!;
    expect(bot.profiles).toEqual(['cluster']);
    // Compose's empty REDIS_URL counts as unset, so only the cluster is configured.
    const { env } = loadConfig({ ...REAL, SLACK_SIGNING_SECRET: 'a-signing-secret', ...bot.environment });
    expect(redisTarget(env)).toMatchObject({ kind: 'cluster', nodes: [{ host: 'redis-node-1', port: 6379 }, {}, {}] });
    expect(bot.depends_on).toEqual({ 'redis-cluster-init': { condition: 'service_completed_successfully' } });
  });

  it('the Dockerfile ships what the CLI reads by default: the eval suites in evals/', () => {
    const copied = [...read('Dockerfile').matchAll(/^COPY\s+(.+?)\s+\S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied).toEqual(expect.arrayContaining(['bin', 'src', 'evals', 'tsconfig.json', 'tsconfig.build.json']));
    expect(read('.dockerignore').split('\n')).not.toContain('evals');
  });

  it('the image and npm start run the compiled JavaScript with the same node flags, source maps on', () => {
    const pkg = JSON.parse(read('package.json')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    const [node, ...start] = pkg.scripts.start!.split(/\s+/);
    expect(node).toBe('node');
    expect(start.at(-1)).toBe('dist/main.js');
    // A fresh clone's `npm ci && npm start` compiles first; the image compiles in its build stage.
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    const dockerfile = read('Dockerfile');
    const cmd = JSON.parse(/^CMD\s+(\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.slice(1, -2)).toEqual(start.slice(0, -1));
    expect(cmd.slice(-2)).toEqual(['bin/threadwise.js', 'start']);
    expect(start).toContain('--enable-source-maps');
    expect(dockerfile).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    // Nothing at run time needs a TypeScript loader.
    expect(Object.keys(pkg.dependencies)).not.toContain('tsx');
    expect(Object.keys(pkg.dependencies)).not.toContain('typescript');
  });

  it('the compose recipe for a settings file mounts the folder its relative paths start from', () => {
    const compose = read('docker-compose.yml');
    const config = /^\s*#\s*THREADWISE_CONFIG:\s*(\S+)$/m.exec(compose)?.[1];
    const mounts = [...compose.matchAll(/^\s*#\s*-\s*([^:\s]+):([^:\s]+)(?::\w+)?$/gm)].map((m) => ({
      host: m[1]!,
      container: m[2]!,
    }));
    expect(config).toBeDefined();
    // tickets.file and policies.dir start at the settings file's folder: that folder must be in the container.
    const folder = mounts.find((m) => m.container === posix.dirname(config!));
    expect(folder, 'mount the folder of the settings file, not the file alone').toBeDefined();
    // The example it suggests copying really is a settings file with relative paths.
    const example = parseYaml(read('examples/threadwise.example.yml')) as {
      tickets: { file: string };
      policies: { dir: string };
    };
    expect([example.tickets.file, example.policies.dir]).toEqual(['./tickets.json', './policies']);
    expect(compose).toContain('cp -r examples config');
  });
});
