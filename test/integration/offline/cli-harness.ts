import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { CliIO } from '../../../src/cli/io.js';
import { main } from '../../../src/cli/threadwise.js';

export const OPENAI_KEY = 'sk-test-fake-openai-key-0123456789';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `threadwise …` in-process with captured output, a fake clock that sleeping advances, and no terminal. */
export class CliRunner {
  readonly dir = mkdtempSync(join(tmpdir(), 'tw-cli-'));
  clock = Date.now();
  sleeps: number[] = [];

  constructor(public env: NodeJS.ProcessEnv) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  async run(argv: string[], extra: Partial<CliIO> = {}): Promise<CliRun> {
    let stdout = '';
    let stderr = '';
    const sink = (add: (s: string) => void) => new Writable({ write: (c, _e, cb) => (add(String(c)), cb()) });
    const stdin = new PassThrough();
    const io: CliIO = {
      env: this.env,
      stdin,
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      now: () => this.clock,
      sleep: async (ms, signal) => {
        if (signal?.aborted) throw signal.reason;
        this.sleeps.push(ms);
        this.clock += ms;
      },
      ...extra,
    };
    const code = await main(argv, io);
    return { code, stdout, stderr };
  }
}
