import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { pollUntil } from '../../support/wait.js';
import { RedisServer } from '../processes.js';

const run = promisify(execFile);

/** One short-lived connection to one server, for the helpers' own questions (never the app's connections). */
async function ask<T>(server: RedisServer, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(server.port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

interface NodeLine {
  id: string;
  port: number;
  master: boolean;
  failed: boolean;
  slots: Array<[number, number]>;
}

/** CLUSTER NODES as records: `<id> <ip:port@bus> <flags> <master> … <slot ranges>`. */
function parseNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', addr = '', flags = '', , , , , , ...slots] = line.split(' ');
      return {
        id,
        port: Number(addr.split('@')[0]!.split(':')[1]),
        master: flags.includes('master'),
        failed: /\bfail\b/.test(flags.replaceAll(',', ' ')),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [a, b = a] = s.split('-').map(Number);
            return [a!, b!] as [number, number];
          }),
      };
    });
}

/**
 * A real Redis Cluster of 3 masters and 3 replicas on free loopback ports: `redis-server --cluster-enabled yes`
 * six times, then `redis-cli --cluster create --cluster-replicas 1`. A short node timeout makes a killed master's
 * replica take over within seconds. `stop()` ends every server it started, whatever state the test left.
 */
export class RedisCluster {
  readonly servers: RedisServer[];

  constructor(size = 6, nodeTimeoutMs = 1_000) {
    this.servers = Array.from(
      { length: size },
      () =>
        new RedisServer({
          appendOnly: false,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(nodeTimeoutMs),
            // A replica may take over however long it was cut off (the test kills masters on purpose).
            '--cluster-replica-validity-factor',
            '0',
            // Replicas sync at once instead of after the default 5 s wait for more replicas.
            '--repl-diskless-sync-delay',
            '0',
          ],
        }),
    );
  }

  /** Seeds for REDIS_CLUSTER_NODES. */
  get seeds(): string {
    return this.servers.map((s) => s.address).join(',');
  }

  async start(): Promise<this> {
    try {
      await Promise.all(this.servers.map((s) => s.start()));
      await run(
        'redis-cli',
        ['--cluster', 'create', ...this.servers.map((s) => s.address), '--cluster-replicas', '1', '--cluster-yes'],
        { timeout: 60_000 },
      );
      await this.healthy('the new cluster to agree on its slots');
      // A replica promoted before its first sync would take over an empty master: wait until each one is in sync.
      await pollUntil(async () => {
        const roles = await Promise.all(this.servers.map((s) => ask(s, (r) => r.info('replication'))));
        const replicas = roles.filter((r) => r.includes('role:slave'));
        return (
          replicas.length === this.servers.length / 2 && replicas.every((r) => r.includes('master_link_status:up'))
        );
      }, 'every replica to sync with its master');
      return this;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Every live node says cluster_state:ok and sees every slot served by a live master. */
  async healthy(what: string, timeoutMs?: number): Promise<void> {
    const live = () => this.servers.filter((s) => s.running);
    await pollUntil(
      async () => {
        for (const s of live()) {
          const info = await ask(s, (r) => r.cluster('INFO') as Promise<string>);
          if (!info.includes('cluster_state:ok')) return false;
          const nodes = parseNodes(await ask(s, (r) => r.cluster('NODES') as Promise<string>));
          const served = nodes
            .filter((n) => n.master && !n.failed && live().some((l) => l.port === n.port))
            .flatMap((n) => n.slots)
            .reduce((sum, [a, b]) => sum + b - a + 1, 0);
          if (served !== 16_384) return false;
        }
        return true;
      },
      what,
      timeoutMs,
    );
  }

  /** The server that is master of a key's slot now. */
  async masterOf(key: string): Promise<RedisServer> {
    const slot = calculateSlot(key);
    const any = this.servers.find((s) => s.running)!;
    const nodes = parseNodes(await ask(any, (r) => r.cluster('NODES') as Promise<string>));
    const owner = nodes.find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
    const server = this.servers.find((s) => s.port === owner?.port);
    if (!server) throw new Error(`no master serves slot ${slot}`);
    return server;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop('SIGKILL')));
  }
}

/**
 * A real Sentinel group: one master, one replica, three `redis-server --sentinel` watching the master under
 * `name` with a quorum of 2 and a short down-after, so a killed master is replaced within seconds.
 */
export class RedisSentinels {
  readonly master = new RedisServer({ appendOnly: false, args: ['--repl-diskless-sync-delay', '0'] });
  /** Created once the master has its port (it is started as the master's replica). */
  replica: RedisServer | undefined;
  readonly sentinels: RedisServer[];

  constructor(readonly name = 'threadwise') {
    this.sentinels = Array.from(
      { length: 3 },
      () =>
        new RedisServer({
          sentinelConfig: (port) =>
            [
              `port ${port}`,
              'bind 127.0.0.1',
              `sentinel monitor ${name} 127.0.0.1 ${this.master.port} 2`,
              `sentinel down-after-milliseconds ${name} 1000`,
              `sentinel failover-timeout ${name} 10000`,
              `sentinel parallel-syncs ${name} 1`,
              '',
            ].join('\n'),
        }),
    );
  }

  /** For REDIS_SENTINELS. */
  get seeds(): string {
    return this.sentinels.map((s) => s.address).join(',');
  }

  async start(): Promise<this> {
    try {
      await this.master.start();
      const replica = new RedisServer({
        appendOnly: false,
        args: ['--replicaof', '127.0.0.1', String(this.master.port)],
      });
      this.replica = replica;
      await replica.start();
      await pollUntil(
        async () => (await ask(replica, (r) => r.info('replication'))).includes('master_link_status:up'),
        'the replica to sync',
      );
      await Promise.all(this.sentinels.map((s) => s.start()));
      // Every sentinel knows the master, its replica and the other two sentinels.
      await pollUntil(async () => {
        for (const s of this.sentinels) {
          const [master] = (await ask(s, (r) => r.call('SENTINEL', 'MASTERS'))) as string[][];
          const field = (k: string) => Number(master?.[master.indexOf(k) + 1]);
          if (field('num-slaves') < 1 || field('num-other-sentinels') < 2) return false;
        }
        return true;
      }, 'the sentinels to find the replica and each other');
      return this;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The port the sentinels give as the master now. */
  async masterPort(): Promise<number> {
    for (const s of this.sentinels.filter((x) => x.running)) {
      const addr = (await ask(s, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name)).catch(() => null)) as
        | string[]
        | null;
      if (addr) return Number(addr[1]);
    }
    throw new Error('no sentinel answers');
  }

  /** Resolves once the sentinels name a master other than `oldPort` and it accepts writes. */
  async failedOverFrom(oldPort: number, timeoutMs?: number): Promise<number> {
    return pollUntil(
      async () => {
        const port = await this.masterPort();
        if (port === oldPort) return false;
        const server = [this.master, this.replica].find((s) => s?.port === port);
        if (!server) return false;
        const role = await ask(server, (r) => r.info('replication'));
        return role.includes('role:master') ? port : false;
      },
      'the sentinels to promote the replica',
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.master, this.replica, ...this.sentinels].map((s) => s?.stop('SIGKILL')));
  }
}
