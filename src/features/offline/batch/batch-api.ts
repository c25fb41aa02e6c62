import type OpenAI from 'openai';
import { toFile } from 'openai';
import type { Batch } from 'openai/resources/batches';
import { BATCH_ENDPOINT } from './lines.js';

export type { Batch } from 'openai/resources/batches';

/** Statuses after which a batch never changes again. */
const TERMINAL = new Set<Batch['status']>(['completed', 'failed', 'expired', 'cancelled']);

/** Marks our batches, so `--resume` refuses someone else's batch instead of misreading it. */
export const JOB_METADATA = { app: 'threadwise', job: 'batch_triage' } as const;

/** Uploads the JSONL (purpose "batch") and creates the batch with the only completion window there is, 24 h. */
export async function submitBatch(client: OpenAI, jsonl: string, metadata: Record<string, string>): Promise<Batch> {
  const tags = { ...JOB_METADATA, ...metadata };
  const file = await client.files.create({
    file: await toFile(Buffer.from(jsonl, 'utf8'), `threadwise-${tags.job}.jsonl`, { type: 'application/jsonl' }),
    purpose: 'batch',
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: BATCH_ENDPOINT,
    completion_window: '24h',
    metadata: tags,
  });
}

export interface WaitOptions {
  intervalMs: number;
  onUpdate?: (batch: Batch) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Polls until the batch reaches a terminal status; each poll is reported (for the progress bar). */
export async function waitForBatch(client: OpenAI, batchId: string, opts: WaitOptions): Promise<Batch> {
  const sleep = opts.sleep ?? defaultSleep;
  for (;;) {
    const batch = await client.batches.retrieve(batchId, { signal: opts.signal });
    opts.onUpdate?.(batch);
    if (TERMINAL.has(batch.status)) return batch;
    await sleep(opts.intervalMs, opts.signal);
  }
}

/** A file's content as text; an absent file id (no successes, or no errors) reads as empty. */
export async function downloadText(client: OpenAI, fileId: string | null | undefined): Promise<string> {
  if (!fileId) return '';
  const res = await client.files.content(fileId);
  return res.text();
}
