import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisTarget } from '../../config/redis-env.js';

/** One Redis server (REDIS_URL or a Sentinel-managed master) or a Redis Cluster: the stores take either. */
export type RedisClient = Redis | Cluster;

/** The per-connection options a caller may set (retries, offline queue); where Redis is comes from the target. */
export type ConnectionOptions = Pick<
  RedisOptions,
  'maxRetriesPerRequest' | 'enableOfflineQueue' | 'lazyConnect' | 'enableAutoPipelining'
>;

// A master demoted by a failover answers writes with READONLY until the client follows the new master.
const reconnectOnReadonly = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

/**
 * Connects to wherever the settings point. In a Cluster ioredis follows MOVED/ASK and refreshes the slot map after
 * a failover; with Sentinel it asks the sentinels for the master and reconnects there when it changes.
 */
export function connectRedis(target: RedisTarget, options: ConnectionOptions): RedisClient {
  if (target.kind === 'single') return new Redis(target.url, { ...options, reconnectOnError: reconnectOnReadonly });
  const auth = {
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
  if (target.kind === 'cluster') {
    return new Cluster(target.nodes, {
      redisOptions: { ...auth, maxRetriesPerRequest: options.maxRetriesPerRequest },
      ...(options.enableOfflineQueue === undefined ? {} : { enableOfflineQueue: options.enableOfflineQueue }),
      ...(options.lazyConnect === undefined ? {} : { lazyConnect: options.lazyConnect }),
      ...(options.enableAutoPipelining === undefined ? {} : { enableAutoPipelining: options.enableAutoPipelining }),
      // Writes go to masters; replicas are for failover, and reading them could return a thread without its last turn.
      scaleReads: 'master',
      // A slot without a master (a failover in progress) is retried shortly instead of failing at once.
      retryDelayOnClusterDown: 200,
      retryDelayOnFailover: 200,
      // ioredis 6 re-reads the slot map only when a command meets MOVED or a node drops, with a 1 s timeout; a
      // refresh that timed out during a failover on a busy machine left the old master in the map with no traffic
      // to correct it (readiness then failed long after the failover). Re-read it on a timer, and give it longer.
      slotsRefreshInterval: 5_000,
      slotsRefreshTimeout: 2_000,
    });
  }
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.name,
    ...auth,
    ...(target.username ? { sentinelUsername: target.username } : {}),
    ...(target.password ? { sentinelPassword: target.password } : {}),
    ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    // No failoverDetector: with it, a +switch-master that arrives while the client is still asking the sentinels
    // closed that connection attempt for good (seen in the failover test). A killed master closes the connection
    // anyway, and the reconnect asks the sentinels again.
    reconnectOnError: reconnectOnReadonly,
  });
}

/**
 * A connection of its own for SUBSCRIBE (a subscribed connection can run no other command), to the same place.
 * Commands queue while it (re)connects rather than failing: the subscription must be in place once Redis is back.
 * In a Cluster, PUBLISH reaches every node, so subscribing through any one of them hears every message.
 */
export function subscriberOf(client: RedisClient): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, {
      enableOfflineQueue: true,
      enableAutoPipelining: false,
      redisOptions: { ...client.options.redisOptions, maxRetriesPerRequest: null },
    });
  }
  return client.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, enableAutoPipelining: false });
}

/**
 * Whether Redis can serve every key: PING one server, or in a Cluster the master of every slot. A master that died
 * and has no promoted replica yet leaves its slots, and the threads in them, unserved: the client drops its
 * connection at once, but the slot map names it until a replica has taken over.
 */
export async function redisAnswers(client: RedisClient): Promise<boolean> {
  const servers = client instanceof Cluster ? slotMasters(client) : [client];
  const pongs = servers?.length ? await Promise.all(servers.map((s) => s.ping().catch(() => null))) : [];
  const answers = pongs.length > 0 && pongs.every((p) => p === 'PONG');
  // A gap in the map or a silent master may be a failover the map has not caught up with: read it again now, so
  // the next probe sees the new masters instead of waiting for traffic to hit a MOVED.
  if (!answers && client instanceof Cluster) client.refreshSlotsCache();
  return answers;
}

/** The connections to the masters of all 16384 slots; undefined while a slot has none (or the map is not read yet). */
function slotMasters(cluster: Cluster): Redis[] | undefined {
  const owners = new Set<string>();
  for (let slot = 0; slot < 16_384; slot++) {
    const owner = cluster.slots[slot]?.[0];
    if (!owner) return undefined;
    owners.add(owner);
  }
  const connected = new Map(cluster.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]));
  const masters = [...owners].map((key) => connected.get(key));
  return masters.every((m) => m !== undefined) ? (masters as Redis[]) : undefined;
}

/** SCAN on every master of a Cluster (each holds only its slots' keys), or on the one server. */
export async function* scanKeys(client: RedisClient, match: string, count = 200): AsyncGenerator<string[]> {
  const servers = client instanceof Cluster ? client.nodes('master') : [client];
  for (const server of servers) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}
