import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';

/** Latency buckets in seconds: from a fast ack (ms) to a long answer (minutes). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55, 90, 150, 300];

export interface MetricsSources {
  /** Jobs waiting or running in the turn queue, read at scrape time. */
  queueDepth: () => Promise<number>;
}

/**
 * Every Prometheus series Threadwise exports, built on a registry the composition root owns (no global default
 * registry), and handed to the places that observe. Names follow Prometheus conventions: `_total` counters,
 * `_seconds` histograms.
 */
export interface Metrics {
  readonly registry: Registry;
  /** Finished turns by outcome (answered | failed). */
  readonly turns: Counter<'outcome'>;
  /** Model calls by status (completed | incomplete | the error kind). */
  readonly modelCalls: Counter<'status'>;
  /**
   * Tokens by kind (input | cached | cache_write | output | reasoning); cached and cache-write tokens are also
   * counted in input, reasoning tokens in output.
   */
  readonly tokens: Counter<'kind'>;
  /** Spend in US dollars of finished calls, priced by the cost hook (unknown models at the fallback price). */
  readonly costUsd: Counter;
  readonly ackSeconds: Histogram<'event'>;
  readonly queueWaitSeconds: Histogram;
  readonly firstTokenSeconds: Histogram;
  readonly firstVisibleSeconds: Histogram;
  readonly turnSeconds: Histogram<'outcome'>;
  /** Slack Web API calls by method and outcome (ok | error). */
  readonly slackCalls: Counter<'method' | 'outcome'>;
  /** HTTP 429 answers from Slack, by method (including those the client retried itself). */
  readonly slackRateLimited: Counter<'method'>;
  /** Model streams open right now. */
  readonly runningStreams: Gauge;
  /** Days until OpenAI shuts down each configured model that has an announced date (negative: already past). */
  readonly modelShutdownDays: Gauge<'model'>;
}

export interface MetricsOptions {
  /** Also export Node process metrics (CPU, memory, event loop lag); on by default. */
  processMetrics?: boolean;
}

export function createMetrics(registry: Registry, sources: MetricsSources, options: MetricsOptions = {}): Metrics {
  const registers = [registry];
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'threadwise_' });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Histogram<L>({ name, help, labelNames, buckets: LATENCY_BUCKETS, registers });
  new Gauge({
    name: 'threadwise_queue_depth',
    help: 'Turns waiting or running (with Redis: on every replica, from the shared lease index).',
    registers,
    async collect() {
      // A store that does not answer leaves the last reading rather than failing the whole scrape.
      const depth = await sources.queueDepth().catch(() => undefined);
      if (depth !== undefined) this.set(depth);
    },
  });
  return {
    registry,
    turns: new Counter({
      name: 'threadwise_turns_total',
      help: 'Finished turns by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    modelCalls: new Counter({
      name: 'threadwise_model_calls_total',
      help: 'Model calls by final status or error kind.',
      labelNames: ['status'],
      registers,
    }),
    tokens: new Counter({
      name: 'threadwise_model_tokens_total',
      help: 'Model tokens by kind (cached and cache_write tokens are part of input, reasoning tokens part of output).',
      labelNames: ['kind'],
      registers,
    }),
    costUsd: new Counter({
      name: 'threadwise_cost_usd_total',
      help: 'Estimated spend of finished model calls in US dollars (the pricing table; unknown models at the fallback price).',
      registers,
    }),
    ackSeconds: histogram('threadwise_ack_seconds', 'Time from receiving a Slack event to acknowledging it.', [
      'event',
    ]),
    queueWaitSeconds: histogram('threadwise_queue_wait_seconds', 'Time a turn waited in the queue before it started.'),
    firstTokenSeconds: histogram(
      'threadwise_time_to_first_token_seconds',
      'Time from sending a model call to its first text.',
    ),
    firstVisibleSeconds: histogram(
      'threadwise_time_to_first_visible_text_seconds',
      'Time from the Slack event to the first words shown in Slack.',
    ),
    turnSeconds: histogram('threadwise_turn_seconds', 'Time from the Slack event to the finished answer.', ['outcome']),
    slackCalls: new Counter({
      name: 'threadwise_slack_api_calls_total',
      help: 'Slack Web API calls by method and outcome.',
      labelNames: ['method', 'outcome'],
      registers,
    }),
    slackRateLimited: new Counter({
      name: 'threadwise_slack_rate_limited_total',
      help: 'HTTP 429 answers from Slack by method.',
      labelNames: ['method'],
      registers,
    }),
    runningStreams: new Gauge({
      name: 'threadwise_model_streams_running',
      help: 'Model streams open right now.',
      registers,
    }),
    modelShutdownDays: new Gauge({
      name: 'threadwise_model_shutdown_days',
      help: "Days until OpenAI shuts down a configured model (from the Models API's shutdown_date); only models with an announced date.",
      labelNames: ['model'],
      registers,
    }),
  };
}

export const seconds = (ms: number) => ms / 1000;
