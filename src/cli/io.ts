import { createInterface } from 'node:readline/promises';
import { Presets, SingleBar } from 'cli-progress';
import type { Batch } from 'openai/resources/batches';
import type { BatchProgress } from '../features/offline/batch/run.js';

/** Where a command reads and writes; the real process in production, captured streams in tests. */
export interface CliIO {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on Ctrl-C, so long waits can stop cleanly. */
  signal?: AbortSignal;
  /** Every Ctrl-C, for commands that take more than one (the chat stops an answer with each). */
  onInterrupt?: (listener: () => void) => () => void;
  /** Overrides for tests: waiting and the clock. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** How long a service may take to answer the first check (default: PROBE_TIMEOUT_MS). */
  probeTimeoutMs?: number;
}

export const processIO = (signal?: AbortSignal): CliIO => ({
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signal,
  onInterrupt: (listener) => {
    process.on('SIGINT', listener);
    return () => process.off('SIGINT', listener);
  },
});

export const printer = (io: CliIO) => (line: string) => void io.stdout.write(`${line}\n`);

/** Asks on the terminal; without one there is nobody to answer, so the answer is no (use --yes in scripts). */
export async function confirm(io: CliIO, question: string): Promise<boolean> {
  if (!io.stdin.isTTY) {
    io.stderr.write('No terminal to confirm on: pass --yes to submit without a prompt.\n');
    return false;
  }
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** A live bar on a terminal; one line per change of status or count elsewhere (logs, CI). */
export function batchProgress(io: CliIO): BatchProgress {
  if (io.stderr.isTTY) {
    const bar = new SingleBar(
      { format: 'Batch {status} [{bar}] {value}/{total} done, {failed} failed', stream: io.stderr, hideCursor: true },
      Presets.shades_classic,
    );
    let started = false;
    return {
      update(b: Batch) {
        const c = b.request_counts ?? { total: 0, completed: 0, failed: 0 };
        const payload = { status: b.status.padEnd(11), failed: c.failed };
        if (!started) bar.start(Math.max(c.total, 1), c.completed + c.failed, payload);
        else bar.update(c.completed + c.failed, payload);
        if (c.total) bar.setTotal(c.total);
        started = true;
      },
      stop: () => started && bar.stop(),
    };
  }
  let last = '';
  return {
    update(b: Batch) {
      const c = b.request_counts ?? { total: 0, completed: 0, failed: 0 };
      const line = `Batch ${b.id}: ${b.status}, ${c.completed + c.failed}/${c.total} done, ${c.failed} failed`;
      if (line !== last) io.stderr.write(`${line}\n`);
      last = line;
    },
    stop() {},
  };
}
