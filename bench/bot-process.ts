import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');

/** The real bot as its own process (so its RSS is its own), logging JSON lines we can watch. */
export class BotProcess {
  private child?: ChildProcess;
  readonly lines: Array<Record<string, unknown>> = [];
  private readonly listeners = new Set<(line: Record<string, unknown>) => void>();
  port = 0;

  constructor(
    private readonly env: Record<string, string>,
    private readonly yaml: string,
  ) {}

  async start(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'tw-bench-'));
    const config = join(dir, 'threadwise.yml');
    writeFileSync(config, this.yaml);
    // The compiled build, as production runs it (npm run bench builds first), so RSS has no TypeScript loader in it.
    // BENCH_CPU_PROF=dir writes a V8 CPU profile of the bot there (open it in Chrome DevTools or speedscope).
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    this.child = spawn(process.execPath, [...profile, 'dist/main.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
        ...(process.env.BOT_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BOT_NODE_OPTIONS } : {}),
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        THREADWISE_CONFIG: config,
        PORT: '0',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        this.lines.push(line);
        for (const l of this.listeners) l(line);
      } catch {
        // not a log line
      }
    });
    const ready = await this.waitFor((l) => l.msg === 'threadwise is listening', 20_000);
    this.port = Number(ready.port);
  }

  waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    const hit = this.lines.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error('bot log line not seen in time'));
      }, timeoutMs);
      const listener = (line: Record<string, unknown>) => {
        if (!pred(line)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(line);
      };
      this.listeners.add(listener);
    });
  }

  /** Resident set size in MB, read from /proc. */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.child!.pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return kb / 1024;
  }

  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child!.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
