import type { TurnJob, TurnProcessor } from './types.js';

/** Which feature a queued job belongs to. */
export type JobKind = 'answer' | 'triage' | 'desk';

const jobKind = (job: TurnJob): JobKind => (job.triage ? 'triage' : job.desk ? 'desk' : 'answer');

/**
 * The queue is built before the features that fill it: each feature registers how its jobs run while it is
 * wired, and the queue hands every job to its feature.
 */
export class JobRouter {
  private readonly processors = new Map<JobKind, TurnProcessor>();

  handle(kind: JobKind, processor: TurnProcessor): void {
    this.processors.set(kind, processor);
  }

  readonly process: TurnProcessor = async (job) => {
    const kind = jobKind(job);
    const processor = this.processors.get(kind);
    // Thrown, so the job is retried (and then kept as failed) rather than dropped as done.
    if (!processor) throw new Error(`no processor for ${kind} jobs is wired`);
    await processor(job);
  };
}
