import type { Logger } from 'pino';

/** One piece of the synthetic pass: a real call through a real client, with no effect on any conversation. */
export interface WarmUpStep {
  name: string;
  run: () => Promise<unknown>;
}

/** Warm-up never holds readiness back longer than this: a slow dependency is then met by the first real turn. */
export const WARM_UP_DEADLINE_MS = 3_000;

/**
 * The first burst after a start must not be slower than a warm one: before /readyz says ready, one pass goes
 * through the clients a turn uses (Redis and its scripts, Slack, OpenAI), so their keep-alive connections are open,
 * Redis has the scripts, and the code paths have run once. A failing or hanging step is logged and skipped:
 * warm-up makes the bot faster, never unavailable.
 */
export class WarmUp {
  private finished = false;

  constructor(
    private readonly steps: readonly WarmUpStep[],
    private readonly log: Logger,
    private readonly deadlineMs = WARM_UP_DEADLINE_MS,
  ) {}

  /** Whether the pass is over (done, failed or out of time). */
  get done(): boolean {
    return this.finished;
  }

  async run(): Promise<void> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.deadlineMs);
      timer.unref();
    });
    const pending = new Set(this.steps.map((s) => s.name));
    const all = Promise.all(
      this.steps.map((step) =>
        step.run().then(
          () => pending.delete(step.name),
          (err: Error) => {
            pending.delete(step.name);
            this.log.warn({ step: step.name, err: { message: err.message } }, 'warm-up step failed; carrying on');
          },
        ),
      ),
    );
    const outcome = await Promise.race([all, deadline]);
    clearTimeout(timer);
    this.finished = true;
    if (outcome === 'late')
      this.log.warn({ waiting_for: [...pending], deadline_ms: this.deadlineMs }, 'warm-up ran out of time');
    this.log.info({ ms: Date.now() - started }, 'warm-up finished');
  }
}
