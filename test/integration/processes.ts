import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { productionNodeArgs } from '../support/production.js';
import { SIGNAL_TIMEOUT_MS, waitFor } from '../support/wait.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** One Threadwise replica as its own OS process, started as `npm start` starts it (compiled), with its JSON log lines. */
export class BotProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly exited: Promise<number | null>;
  private readonly watchers = new Set<() => void>();
  port = 0;
  private readonly child: ChildProcess;
  private stderr = '';

  constructor(
    readonly name: string,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, productionNodeArgs(), {
      cwd: ROOT,
      env: { ...process.env, ...env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        if (!line.trim()) continue;
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
      }
      this.changed();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => {
        resolve(code);
        this.changed();
      }),
    );
  }

  private changed(): void {
    for (const w of [...this.watchers]) w();
  }

  /** Calls `fn` on each new log line and when the process exits; returns an unsubscribe. */
  watch(fn: () => void): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for the "listening" line: start-up time varies a lot on a loaded machine, readiness does not. */
  async ready(timeoutMs = SIGNAL_TIMEOUT_MS): Promise<this> {
    const line = await this.waitFor((l) => l.msg === 'threadwise is listening', timeoutMs);
    this.port = Number(line.port);
    return this;
  }

  get eventsUrl(): string {
    return `http://127.0.0.1:${this.port}/slack/events`;
  }

  has(pred: (l: Record<string, unknown>) => boolean): boolean {
    return this.lines.some(pred);
  }

  waitFor(
    pred: (l: Record<string, unknown>) => boolean,
    timeoutMs = SIGNAL_TIMEOUT_MS,
  ): Promise<Record<string, unknown>> {
    let next = 0;
    return waitFor(
      () => {
        for (; next < this.lines.length; next++) if (pred(this.lines[next]!)) return this.lines[next];
        if (this.child.exitCode !== null)
          throw new Error(`${this.name} exited (${this.child.exitCode}): ${this.stderr.slice(-2000)}`);
        return undefined;
      },
      [(fn) => this.watch(fn)],
      `a log line of ${this.name}`,
      timeoutMs,
    );
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** redis-servers this test process started and has not stopped: killed if the process exits first (a crash). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RedisServerOptions {
  /** Append-only file (default on, fsync always): a restart keeps what was written. */
  appendOnly?: boolean;
  /** More redis-server arguments, such as `--cluster-enabled yes` or `--replicaof 127.0.0.1 6379`. */
  args?: string[];
  /** Runs `redis-server <dir>/sentinel.conf --sentinel` with this configuration (a sentinel rewrites its file). */
  sentinelConfig?: (port: number) => string;
}

/**
 * A private redis-server on a spare port that a test may stop and start again (the shared one must stay up). By
 * default it keeps an append-only file, so a restart keeps what was written (like production); a benchmark turns
 * that off so that fsync does not show up in its numbers. Cluster nodes and sentinels (test/integration/cluster)
 * are the same helper with more arguments.
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'tw-redis-'));
  port = 0;

  constructor(private readonly options: RedisServerOptions = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts redis-server and resolves when it logs that it accepts connections (after loading its AOF). */
  async start(): Promise<this> {
    this.port ||= await freePort();
    const sentinel = this.options.sentinelConfig;
    if (sentinel) writeFileSync(join(this.dir, 'sentinel.conf'), sentinel(this.port));
    const child = spawn(
      'redis-server',
      [
        ...(sentinel ? [join(this.dir, 'sentinel.conf'), '--sentinel'] : []),
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        ...(sentinel
          ? []
          : [
              '--save',
              '',
              ...(this.options.appendOnly === false
                ? ['--appendonly', 'no']
                : ['--appendonly', 'yes', '--appendfsync', 'always']),
            ]),
        '--dir',
        this.dir,
        ...(this.options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), SIGNAL_TIMEOUT_MS);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString('utf8');
        // A sentinel never says "Ready to accept connections"; it names itself once it listens.
        if (out.includes('Ready to accept connections') || out.includes('Sentinel ID is')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
    return this;
  }

  /** `kill -9`: the server dies without a word to its clients or replicas, as a crashed host does. */
  async kill(): Promise<void> {
    await this.stop('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.on('exit', r));
    child.kill(signal);
    await exited;
  }
}

/** Writes a THREADWISE_CONFIG file and returns its path. */
export function configFile(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tw-proc-')), 'threadwise.yml');
  writeFileSync(path, yaml);
  return path;
}
