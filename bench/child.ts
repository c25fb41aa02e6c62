import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const PRELOAD = resolve(import.meta.dirname, 'preload');

export interface Probe {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** User + system CPU time since the process started. */
  cpuMs: number;
  /** Event-loop delay since the previous probe (ms). */
  loop: { p50: number; p99: number; max: number };
  /** The child's monotonic clock in µs (the clock of its --cpu-prof timestamps). */
  monoUs: number;
}

export interface ChildOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** The main script's path ends with this (so the probe listens in the app, not in a wrapper such as npm). */
  main: string;
  /** Parse stdout as JSON log lines (Threadwise); otherwise stdout is discarded (the template logs DEBUG text). */
  jsonLogs: boolean;
  nodeOptions?: string[];
}

/**
 * An app under test as its own process group (so `npm start` and the node it starts stop together), with the
 * loopback-only guard and the probe preloaded into every node in it.
 */
export class AppProcess {
  private readonly child: ChildProcess;
  private readonly dir = mkdtempSync(join(tmpdir(), 'tw-bench-app-'));
  private readonly listeners = new Set<(line: Record<string, unknown>) => void>();
  readonly exited: Promise<number | null>;

  constructor(o: ChildOptions) {
    const nodeOptions = [
      `--import=${join(PRELOAD, 'loopback-only.mjs')}`,
      `--import=${join(PRELOAD, 'probe.mjs')}`,
      ...(o.nodeOptions ?? []),
    ];
    this.child = spawn(o.command, o.args, {
      cwd: o.cwd,
      detached: true,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? this.dir,
        NODE_OPTIONS: nodeOptions.join(' '),
        BENCH_PROBE_SOCKET: this.probePath,
        BENCH_PROBE_MAIN: o.main,
        BENCH_BLOCKED_LOG: this.blockedLog,
        npm_config_update_notifier: 'false',
        ...o.env,
      },
      stdio: ['ignore', o.jsonLogs ? 'pipe' : 'ignore', 'pipe'],
    });
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
    let stderr = '';
    this.child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-4000);
    });
    this.child.once('exit', (code, signal) => {
      if (!this.stopping) process.stderr.write(`${o.args.join(' ')} exited early (${code ?? signal}): ${stderr}\n`);
    });
    if (!o.jsonLogs) return;
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      if (!text.startsWith('{')) return;
      const line = JSON.parse(text) as Record<string, unknown>;
      for (const l of this.listeners) l(line);
    });
  }

  private stopping = false;

  get probePath(): string {
    return join(this.dir, 'probe.sock');
  }

  private get blockedLog(): string {
    return join(this.dir, 'blocked.log');
  }

  /** Connections the loopback guard refused (host:port), if any. */
  blocked(): string[] {
    try {
      return readFileSync(this.blockedLog, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  }

  onLine(listener: (line: Record<string, unknown>) => void): void {
    this.listeners.add(listener);
  }

  probe(): Promise<Probe> {
    return new Promise((resolve, reject) => {
      let text = '';
      connect(this.probePath)
        .on('data', (d) => {
          text += String(d);
        })
        .on('end', () => resolve(JSON.parse(text) as Probe))
        .on('error', reject);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    process.kill(-this.child.pid!, 'SIGTERM');
    const killer = setTimeout(() => process.kill(-this.child.pid!, 'SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(killer);
  }
}
