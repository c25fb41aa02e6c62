import type { WebClient } from '@slack/web-api';
import type OpenAI from 'openai';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SettingsSource } from '../../../config/live-settings.js';
import { type Phrase, say } from '../../../i18n/phrase.js';
import type { Translators } from '../../../i18n/translators.js';
import type { DelayedJobs } from '../../../platform/queue/delayed-jobs.js';
import type { KnowledgeGap, KnowledgeGaps } from '../../knowledge/contracts.js';
import type { RedactOptions } from '../../privacy/pii/redact.js';
import { costOf, type PriceTable } from '../../usage/prices.js';
import { downloadText, submitBatch } from '../batch/batch-api.js';
import { toJsonl } from '../batch/lines.js';
import { lineText, outputLineSchema, parseJsonl } from '../batch/results.js';
import { digestText, GROUPING_CUSTOM_ID, groupingRequest, nextDigestAt, parseGrouping, type Topic } from './digest.js';

const WEEK_MS = 7 * 86_400_000;
/** Batch answers within 24 h; checked every 10 minutes, and given up a little after the window closed. */
export const CHECK_EVERY_MS = 10 * 60_000;
const MAX_CHECKS = Math.ceil((26 * 3_600_000) / CHECK_EVERY_MS);
const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

/** The digest's two durable steps: prepare the week (submit the Batch), then check on the Batch until it is done. */
export const digestJobSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('prepare'), due: z.number() }),
  z.object({
    kind: z.literal('collect'),
    due: z.number(),
    batchId: z.string().min(1),
    channel: z.string().min(1),
    model: z.string().min(1),
    /** "<channel> <threadTs>" of the gaps sent, in the order the request numbered them. */
    threads: z.array(z.string()),
    check: z.number().int().min(1),
  }),
]);
export type DigestJob = z.infer<typeof digestJobSchema>;

export interface GapsDigestDeps {
  settings: SettingsSource;
  gaps: KnowledgeGaps;
  openai: OpenAI;
  /** The model that groups (the default model of the settings). */
  model: () => string;
  prices: PriceTable;
  redact: () => RedactOptions | undefined;
  /** The digest is written in `knowledge.gaps.locale`. */
  translators: Translators;
  /** The bot's client in the workspace the digest is posted in. */
  slack: () => Promise<WebClient>;
  jobs: () => DelayedJobs<DigestJob>;
  log: Logger;
  now?: () => number;
}

const threadOf = (g: Pick<KnowledgeGap, 'channel' | 'threadTs'>) => `${g.channel} ${g.threadTs}`;
const weekOf = (due: number) => new Date(due - WEEK_MS).toISOString().slice(0, 10);

/**
 * The weekly digest of knowledge gaps: on the configured day and hour it sends the week's questions to the Batch
 * API (half price) to be grouped by topic, then checks on the Batch until it is done and posts the digest. Both
 * steps are delayed jobs (BullMQ with Redis), so they survive restarts and run on one replica; job ids carry the
 * week, so every replica scheduling the same week schedules one job.
 */
export class GapsDigest {
  constructor(private readonly d: GapsDigestDeps) {}

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }

  /** Schedules the next preparation, if a digest is configured (called at start-up by every replica). */
  async start(): Promise<void> {
    const cfg = this.d.settings.current().knowledge.gaps;
    if (!cfg) return;
    const due = nextDigestAt(this.now(), cfg.day, cfg.hour);
    await this.d.jobs().schedule(`gaps-prepare:${due}`, due, { kind: 'prepare', due });
    this.d.log.info({ due: new Date(due).toISOString(), channel: cfg.channel }, 'gaps digest scheduled');
  }

  async run(job: DigestJob): Promise<void> {
    if (job.kind === 'prepare') await this.prepare(job.due);
    else await this.collect(job);
  }

  private async prepare(due: number): Promise<void> {
    const cfg = this.d.settings.current().knowledge.gaps;
    if (!cfg) return this.d.log.info('gaps digest no longer configured; not preparing it');
    // The next week is scheduled first, so one failed week never ends the series.
    const next = nextDigestAt(due, cfg.day, cfg.hour);
    await this.d.jobs().schedule(`gaps-prepare:${next}`, next, { kind: 'prepare', due: next });
    const gaps = await this.d.gaps.between(due - WEEK_MS, due);
    if (!gaps.length) return this.d.log.info({ week: weekOf(due) }, 'no knowledge gaps this week; no digest');
    const model = this.d.model();
    const line = groupingRequest(gaps, { model, week: weekOf(due), redact: this.d.redact(), locale: cfg.locale });
    const batch = await submitBatch(this.d.openai, toJsonl([line]), { job: 'gaps_digest', week: weekOf(due) });
    this.d.log.info(
      { batch: batch.id, gaps: gaps.length, week: weekOf(due) },
      'gaps digest submitted to the Batch API',
    );
    await this.check({
      kind: 'collect',
      due,
      batchId: batch.id,
      channel: cfg.channel,
      model,
      threads: gaps.map(threadOf),
      check: 1,
    });
  }

  private async check(job: Extract<DigestJob, { kind: 'collect' }>): Promise<void> {
    await this.d.jobs().schedule(`gaps-collect:${job.due}:${job.check}`, this.now() + CHECK_EVERY_MS, job);
    this.d.log.debug({ batch: job.batchId, check: job.check }, 'gaps digest check scheduled');
  }

  private async collect(job: Extract<DigestJob, { kind: 'collect' }>): Promise<void> {
    const batch = await this.d.openai.batches.retrieve(job.batchId);
    if (!TERMINAL.has(batch.status)) {
      if (job.check >= MAX_CHECKS) {
        this.d.log.error({ batch: job.batchId, status: batch.status }, 'gaps digest batch never finished');
        return this.post(job, undefined, { key: 'gaps.problem.late' });
      }
      return this.check({ ...job, check: job.check + 1 });
    }
    if (batch.status !== 'completed') {
      this.d.log.error({ batch: job.batchId, status: batch.status }, 'gaps digest batch did not complete');
      return this.post(job, undefined, { key: 'gaps.problem.ended', values: { status: batch.status } });
    }
    const [output, errors] = await Promise.all([
      downloadText(this.d.openai, batch.output_file_id),
      downloadText(this.d.openai, batch.error_file_id),
    ]);
    const usage = { inputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 };
    const lines = [...parseJsonl(output).values, ...parseJsonl(errors).values].flatMap((v) => {
      const parsed = outputLineSchema.safeParse(v);
      return parsed.success && parsed.data.custom_id === GROUPING_CUSTOM_ID ? [parsed.data] : [];
    });
    const read = lines[0] ? lineText(lines[0], usage) : { status: 'missing' as const, detail: 'no result line' };
    const cost = costOf(this.d.prices, job.model, usage, { batch: true });
    this.d.log.info(
      {
        batch: job.batchId,
        model: job.model,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
        cost_usd: cost.usd,
        batch_discount: this.d.prices.batchMultiplier,
      },
      'gaps digest grouped',
    );
    if (read.status !== 'text')
      return this.post(job, undefined, { key: 'gaps.problem.no_text', values: { detail: read.detail } });
    return this.post(job, read.text);
  }

  /** Posts the digest; without a usable grouping every question is still listed (under one heading, saying why). */
  private async post(job: Extract<DigestJob, { kind: 'collect' }>, grouping?: string, problem?: Phrase) {
    const all = await this.d.gaps.between(job.due - WEEK_MS, job.due);
    const byThread = new Map(all.map((g) => [threadOf(g), g]));
    const gaps = job.threads.flatMap((t) => byThread.get(t) ?? []);
    if (!gaps.length) return this.d.log.info('the week’s gaps are gone (expired or forgotten); no digest');
    // In the language the settings give the digest now (the topics were named in the one set when it was prepared).
    const t = this.d.translators.forLocale(this.d.settings.current().knowledge.gaps?.locale);
    const parsed = grouping ? parseGrouping(grouping, gaps, t.t('gaps.other')) : undefined;
    if (parsed && !parsed.ok) this.d.log.warn({ error: parsed.error }, 'gaps digest grouping unreadable');
    const why = say(t, problem ?? { key: 'gaps.problem.unreadable' });
    const topics: Topic[] =
      parsed?.ok === true ? parsed.topics : [{ topic: t.t('gaps.not_grouped', { problem: why }), gaps }];
    const client = await this.d.slack();
    const links = new Map<string, string>();
    await Promise.all(
      topics
        .flatMap((t) => t.gaps.slice(0, 3))
        .map(async (g) => {
          const res = await client.chat
            .getPermalink({ channel: g.channel, message_ts: g.threadTs })
            .catch(() => undefined);
          if (res?.permalink) links.set(threadOf(g), res.permalink);
        }),
    );
    const text = digestText(t, topics, { week: weekOf(job.due), permalink: (g) => links.get(threadOf(g)) });
    await client.chat.postMessage({ channel: job.channel, text, unfurl_links: false, unfurl_media: false });
    this.d.log.info({ channel: job.channel, topics: topics.length, gaps: gaps.length }, 'gaps digest posted');
  }
}
