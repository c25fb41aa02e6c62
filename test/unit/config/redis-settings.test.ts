import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { redisTarget } from '../../../src/config/redis-env.js';

const valid = { SLACK_BOT_TOKEN: 'xoxb-1-abc', SLACK_SIGNING_SECRET: 'secret-value-123', OPENAI_API_KEY: 'sk-test' };

function problems(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.join('\n');
    throw err;
  }
  return '';
}

describe('Redis connection settings', () => {
  it('keeps REDIS_URL for one server', () => {
    const { env } = loadConfig({ ...valid, REDIS_URL: 'redis://10.0.0.5:6380' });
    expect(redisTarget(env)).toEqual({ kind: 'single', url: 'redis://10.0.0.5:6380' });
  });

  it('reads cluster seeds, with TLS and the password written on a seed', () => {
    const { env } = loadConfig({
      ...valid,
      REDIS_CLUSTER_NODES: 'rediss://:s3cret%21@10.0.0.1:7000, 10.0.0.2:7001,redis-3.internal:7002',
    });
    expect(redisTarget(env)).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: 'redis-3.internal', port: 7002 },
      ],
      tls: true,
      password: 's3cret!',
    });
  });

  it('reads the sentinels and the master name', () => {
    const { env } = loadConfig({
      ...valid,
      REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379',
      REDIS_SENTINEL_NAME: 'tw',
    });
    expect(redisTarget(env)).toEqual({
      kind: 'sentinel',
      name: 'tw',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: '10.0.0.2', port: 26379 },
      ],
      tls: false,
    });
  });

  it('refuses a bad seed, a sentinel group without its name, and two ways at once, naming the fix', () => {
    expect(problems({ ...valid, REDIS_CLUSTER_NODES: '10.0.0.1,10.0.0.2:7001' })).toMatch(
      /REDIS_CLUSTER_NODES must be comma-separated host:port seeds/,
    );
    expect(problems({ ...valid, REDIS_CLUSTER_NODES: 'http://10.0.0.1:7000' })).toMatch(/REDIS_CLUSTER_NODES/);
    expect(problems({ ...valid, REDIS_SENTINELS: '10.0.0.1:26379' })).toMatch(/REDIS_SENTINEL_NAME is required/);
    expect(problems({ ...valid, REDIS_SENTINEL_NAME: 'tw' })).toMatch(/REDIS_SENTINEL_NAME needs REDIS_SENTINELS/);
    expect(problems({ ...valid, REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' })).toMatch(
      /set only one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS/,
    );
  });

  it('never echoes a seed password in its error message', () => {
    const text = problems({ ...valid, REDIS_SENTINELS: 'rediss://:hunter2-secret@10.0.0.1:26379' });
    expect(text).toMatch(/REDIS_SENTINEL_NAME/);
    expect(text).not.toContain('hunter2-secret');
  });
});
