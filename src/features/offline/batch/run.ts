import type { WebClient } from '@slack/web-api';
import type OpenAI from 'openai';
import { NotFoundError } from 'openai';
import type { ReasoningEffort } from '../../../config/models.js';
import { neutraliseMarkdown } from '../../../platform/slack/markdown-guard.js';
import { type MarkupLookups, resolveSlackMarkup } from '../../../platform/slack/markup.js';
import type { RedactOptions } from '../../privacy/pii/redact.js';
import type { PriceTable } from '../../usage/prices.js';
import { type Batch, downloadText, JOB_METADATA, submitBatch, waitForBatch } from './batch-api.js';
import { collectThreads } from './collect.js';
import { type BatchRequestLine, toJsonl } from './lines.js';
import { csvReport, digest, markdownReport, type ReportContext } from './report.js';
import { describeEstimate, estimateCost, transcript, triageRequest } from './requests.js';
import { matchResults, parseJsonl } from './results.js';

/** Batch API input limits: 50,000 requests and 200 MB per file. */
const MAX_REQUESTS = 50_000;
const MAX_BYTES = 200 * 1024 * 1024;

export interface BatchProgress {
  update(batch: Batch): void;
  stop(): void;
}

export interface BatchTriageDeps {
  openai: OpenAI;
  /** Created with rejectRateLimitedCalls, so that rate-limit waits are ours. */
  slack: WebClient;
  lookups: MarkupLookups;
  bot: { userId: string; workspaceUrl?: string };
  print(line: string): void;
  confirm(question: string): Promise<boolean>;
  progress: BatchProgress;
  writeFile(path: string, text: string): Promise<void>;
  now(): number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

export interface BatchTriageOptions {
  /** Either a new run (channel + since) or a resumed batch. */
  channel?: string;
  since?: { seconds: number; label: string };
  resume?: string;
  out?: string;
  format?: 'md' | 'csv';
  post?: string;
  yes: boolean;
  wait: boolean;
  model: string;
  /** Reasoning models only: the effort each triage is asked for. */
  reasoningEffort?: ReasoningEffort;
  pollIntervalMs: number;
  redact?: RedactOptions;
  /** The configured price table, for the estimate and the report. */
  prices: PriceTable;
}

const resumeHint = (id: string) => `Resume with: threadwise batch triage --resume ${id}`;

/** Collects the channel's threads and builds one request line per thread. */
async function buildLines(
  deps: BatchTriageDeps,
  opts: BatchTriageOptions,
  channel: string,
  oldest: number,
): Promise<BatchRequestLine[]> {
  const threads = await collectThreads(deps.slack, {
    channel,
    oldest,
    botUserId: deps.bot.userId,
    sleep: deps.sleep,
    onRateLimited: (method, s) => deps.print(`Slack rate-limited ${method}; waiting ${s} s as asked…`),
  });
  const channelName = await deps.lookups.channelName(channel);
  const transcriptDeps = {
    userName: (id: string) => deps.lookups.userName(id),
    resolveText: (text: string) => resolveSlackMarkup(text, deps.lookups, { botUserId: deps.bot.userId }),
  };
  const lines: BatchRequestLine[] = [];
  for (const thread of threads)
    lines.push(
      triageRequest(thread, await transcript(thread, channelName, transcriptDeps), {
        model: opts.model,
        redact: opts.redact,
        ...(opts.reasoningEffort ? { reasoningEffort: opts.reasoningEffort } : {}),
      }),
    );
  return lines;
}

/** A new run: collect, estimate, confirm, submit. Returns the batch, or an exit code when it stops early. */
async function submit(
  deps: BatchTriageDeps,
  opts: BatchTriageOptions,
): Promise<{ batch: Batch; lines: BatchRequestLine[] } | number> {
  const { channel, since } = opts;
  if (!channel || !since) throw new Error('a new triage run needs --channel and --since');
  const oldest = deps.now() / 1000 - since.seconds;
  deps.print(`Reading #${(await deps.lookups.channelName(channel)) ?? channel} (${since.label})…`);
  const lines = await buildLines(deps, opts, channel, oldest);
  if (!lines.length) {
    deps.print(`No threads in ${channel} for ${since.label}: nothing to triage.`);
    return 0;
  }
  const jsonl = toJsonl(lines);
  if (lines.length > MAX_REQUESTS || Buffer.byteLength(jsonl) > MAX_BYTES) {
    deps.print(
      `${lines.length} threads (${Buffer.byteLength(jsonl)} bytes) exceed the Batch API limits (50,000 requests, 200 MB): use a shorter --since.`,
    );
    return 2;
  }
  deps.print(describeEstimate(estimateCost(lines, opts.model, opts.prices), opts.model));
  if (!opts.yes && !(await deps.confirm('Submit this batch? [y/N] '))) {
    deps.print('Not submitted.');
    return 1;
  }
  const batch = await submitBatch(deps.openai, jsonl, { channel, since: since.label, model: opts.model });
  deps.print(`Submitted batch ${batch.id} (${lines.length} requests, results within 24 h). ${resumeHint(batch.id)}`);
  return { batch, lines };
}

/** Reads back what a batch was asked, from its own input file, so a resume needs nothing stored locally. */
async function requestedIds(deps: BatchTriageDeps, batch: Batch, lines?: BatchRequestLine[]): Promise<string[]> {
  if (lines) return lines.map((l) => l.custom_id);
  const { values } = parseJsonl(await downloadText(deps.openai, batch.input_file_id));
  return values.flatMap((v) =>
    v && typeof v === 'object' && typeof (v as { custom_id?: unknown }).custom_id === 'string'
      ? [(v as { custom_id: string }).custom_id]
      : [],
  );
}

async function finish(
  deps: BatchTriageDeps,
  opts: BatchTriageOptions,
  batch: Batch,
  lines?: BatchRequestLine[],
): Promise<number> {
  if (batch.status === 'failed') {
    const why = (batch.errors?.data ?? []).map((e) =>
      `line ${e.line ?? '?'}: ${e.code ?? 'error'} ${e.message ?? ''}`.trim(),
    );
    deps.print(`Batch ${batch.id} failed validation:${why.length ? `\n  ${why.join('\n  ')}` : ' no details given'}`);
    return 1;
  }
  const [ids, output, errors] = await Promise.all([
    requestedIds(deps, batch, lines),
    downloadText(deps.openai, batch.output_file_id),
    downloadText(deps.openai, batch.error_file_id),
  ]);
  const { results, usage, unreadable } = matchResults(ids, output, errors);
  const meta = (batch.metadata ?? {}) as Record<string, string>;
  const channel = opts.channel ?? meta.channel ?? results[0]?.channel ?? '';
  const ctx: ReportContext = {
    channelName: (await deps.lookups.channelName(channel)) ?? channel,
    period: opts.since?.label ?? meta.since ?? 'the batch period',
    batchId: batch.id,
    model: meta.model ?? opts.model,
    workspaceUrl: deps.bot.workspaceUrl,
    usage,
    prices: opts.prices,
    unreadable: unreadable.length,
  };
  const format = opts.format ?? (opts.out?.endsWith('.csv') ? 'csv' : 'md');
  const out = opts.out ?? `triage-${channel}-${new Date(deps.now()).toISOString().slice(0, 10)}.${format}`;
  await deps.writeFile(out, format === 'csv' ? csvReport(results, ctx) : markdownReport(results, ctx));
  const triaged = results.filter((r) => r.outcome.status === 'triaged').length;
  deps.print(
    `Batch ${batch.id} ${batch.status}: ${triaged} of ${results.length} threads triaged. Report written to ${out}.`,
  );
  if (opts.post) {
    // The digest quotes model-written titles and owners: neutralised, so a triaged message cannot ping the channel.
    await deps.slack.chat.postMessage({ channel: opts.post, markdown_text: neutraliseMarkdown(digest(results, ctx)) });
    deps.print(`Digest posted to ${opts.post}.`);
  }
  return triaged === results.length ? 0 : 1;
}

/** `threadwise batch triage`: a new run, or `--resume batch_…` after an interruption. Returns the exit code. */
export async function runBatchTriage(deps: BatchTriageDeps, opts: BatchTriageOptions): Promise<number> {
  let batch: Batch;
  let lines: BatchRequestLine[] | undefined;
  if (opts.resume) {
    const found = await deps.openai.batches.retrieve(opts.resume).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (!found) {
      deps.print(`OpenAI has no batch ${opts.resume}: check the id (it is printed when a batch is submitted).`);
      return 2;
    }
    batch = found;
    const meta = (batch.metadata ?? {}) as Record<string, string>;
    if (meta.app !== JOB_METADATA.app || meta.job !== JOB_METADATA.job) {
      deps.print(`${opts.resume} is not a Threadwise triage batch (its metadata says ${JSON.stringify(meta)}).`);
      return 2;
    }
    deps.print(`Resuming batch ${batch.id} (${batch.status}).`);
  } else {
    const submitted = await submit(deps, opts);
    if (typeof submitted === 'number') return submitted;
    ({ batch, lines } = submitted);
  }
  if (!opts.wait) return 0;
  try {
    batch = await waitForBatch(deps.openai, batch.id, {
      intervalMs: opts.pollIntervalMs,
      onUpdate: (b) => deps.progress.update(b),
      sleep: deps.sleep,
      signal: deps.signal,
    });
  } catch (err) {
    deps.progress.stop();
    const interrupted = deps.signal?.aborted;
    deps.print(
      `${interrupted ? 'Stopped waiting' : `Checking on the batch failed (${(err as Error).message})`}. The batch keeps running at OpenAI. ${resumeHint(batch.id)}`,
    );
    return interrupted ? 130 : 1;
  }
  deps.progress.stop();
  return finish(deps, opts, batch, lines);
}
