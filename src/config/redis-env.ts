/** Where Redis is: one server (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES) or a Sentinel group (REDIS_SENTINELS). */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | ({ kind: 'cluster'; nodes: RedisNode[] } & RedisAuth)
  | ({ kind: 'sentinel'; sentinels: RedisNode[]; name: string } & RedisAuth);

export interface RedisNode {
  host: string;
  port: number;
}

/** TLS and credentials, written REDIS_URL-style on a seed (rediss://user:password@host:port). */
export interface RedisAuth {
  tls: boolean;
  username?: string;
  password?: string;
}

type Seed = { ok: true; node: RedisNode; auth: RedisAuth } | { ok: false };

/** Parses "host:port,rediss://:pw@host:port" seeds; a bad one is reported, never guessed at. */
export function redisSeeds(list: string): Seed[] {
  const parts = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!parts.length) return [{ ok: false }];
  return parts.map((part): Seed => {
    const isUrl = /^rediss?:\/\//.test(part);
    if (!isUrl && !/^(\[[0-9a-f:.]+\]|[^\s:/@[\]]+):\d{1,5}$/i.test(part)) return { ok: false };
    let url: URL;
    try {
      url = new URL(isUrl ? part : `redis://${part}`);
    } catch {
      return { ok: false };
    }
    const port = Number(url.port || 6379);
    if (!url.hostname || port < 1 || port > 65535 || (url.pathname !== '' && url.pathname !== '/'))
      return { ok: false };
    return {
      ok: true,
      node: { host: url.hostname.replace(/^\[|\]$/g, ''), port },
      auth: {
        tls: url.protocol === 'rediss:',
        ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
        ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
      },
    };
  });
}

interface RedisEnv {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_NAME?: string;
}

/** One way to reach Redis at a time, and Sentinel needs both of its settings. */
export function redisModeProblems(source: RedisEnv): string[] {
  const problems: string[] = [];
  const set = (['REDIS_URL', 'REDIS_CLUSTER_NODES', 'REDIS_SENTINELS'] as const).filter((k) => source[k]);
  if (set.length > 1)
    problems.push(`set only one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS (got ${set.join(', ')})`);
  if (source.REDIS_SENTINELS && !source.REDIS_SENTINEL_NAME)
    problems.push('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS: the master name the sentinels monitor');
  if (source.REDIS_SENTINEL_NAME && !source.REDIS_SENTINELS)
    problems.push('REDIS_SENTINEL_NAME needs REDIS_SENTINELS: the host:port list of the sentinels');
  return problems;
}

/** The Redis to use, from already validated settings; undefined when none is set (in-memory mode). */
export function redisTarget(env: RedisEnv): RedisTarget | undefined {
  if (env.REDIS_URL) return { kind: 'single', url: env.REDIS_URL };
  const list = env.REDIS_CLUSTER_NODES ?? env.REDIS_SENTINELS;
  if (!list) return undefined;
  const seeds = redisSeeds(list).flatMap((s) => (s.ok ? [s] : []));
  // Every node of a cluster or sentinel group is reached the same way: the first seed with credentials gives them.
  const auth: RedisAuth = {
    ...seeds.find((s) => s.auth.password || s.auth.username)?.auth,
    tls: seeds.some((s) => s.auth.tls),
  };
  const nodes = seeds.map((s) => s.node);
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes, ...auth };
  return { kind: 'sentinel', sentinels: nodes, name: env.REDIS_SENTINEL_NAME ?? '', ...auth };
}

/** What the logs and start-up messages call it (never with credentials). */
export function describeRedis(target: RedisTarget): string {
  if (target.kind === 'single') return 'REDIS_URL';
  if (target.kind === 'cluster') return `the Redis Cluster at REDIS_CLUSTER_NODES (${target.nodes.length} seeds)`;
  return `the Redis Sentinel master "${target.name}" (REDIS_SENTINELS)`;
}
