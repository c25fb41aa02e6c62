import { describe, expect, it } from 'vitest';
import { loadCliConfig } from '../../../src/cli/config.js';
import { ConfigError } from '../../../src/config/errors.js';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    loadCliConfig(env, ['redis']);
    return [];
  } catch (err) {
    return err instanceof ConfigError ? err.problems : [String(err)];
  }
};

describe('command-line jobs that need Redis', () => {
  it('reach the same Redis as the bot: one server, a Cluster or a Sentinel group', () => {
    expect(problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual([]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7000' })).toEqual([]);
    expect(problemsOf({ REDIS_SENTINELS: '10.0.0.1:26379', REDIS_SENTINEL_NAME: 'threadwise' })).toEqual([]);
  });

  it('say what is missing or contradictory, the same way the bot does', () => {
    expect(problemsOf({})).toEqual([
      expect.stringMatching(/^REDIS_URL is required for this command: .*REDIS_CLUSTER_NODES/),
    ]);
    expect(problemsOf({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: '10.0.0.1:7000' })).toEqual([
      expect.stringContaining('set only one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS'),
    ]);
    expect(problemsOf({ REDIS_SENTINELS: '10.0.0.1:26379' })).toEqual([
      expect.stringContaining('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS'),
    ]);
  });
});
