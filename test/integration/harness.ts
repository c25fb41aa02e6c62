import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createThreadwise, type Threadwise } from '../../src/app/create-threadwise.js';
import { loadConfig } from '../../src/config/load.js';
import { redisTarget } from '../../src/config/redis-env.js';
import type { KnowledgeGaps, KnowledgeIndex } from '../../src/features/knowledge/contracts.js';
import { QUEUE_NAME } from '../../src/platform/queue/bullmq-queue.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import { connectRedis } from '../../src/platform/store/redis-client.js';
import { FakeOpenAI, type FakeOpenAIOptions } from '../fakes/openai-server.js';
import { FakeSlack, type FakeSlackOptions } from '../fakes/slack-api.js';
import {
  appMention,
  type MentionInput,
  type MessageInput,
  messageEvent,
  type SendEventOptions,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
} from '../fakes/slack-events.js';
import { REDIS_URL } from '../support/test-redis.js';
import { type ChangeSource, SIGNAL_TIMEOUT_MS, waitFor } from '../support/wait.js';

export { REDIS_URL };

export const SIGNING_SECRET = 'f3a9c0de5b7e4a1c9d2b8e6f0a1b2c3d';
export const OPENAI_KEY = 'sk-test-fake-openai-key-0123456789';

export interface HarnessOptions {
  /** Extra YAML appended to the generated THREADWISE_CONFIG. */
  yaml?: string;
  slack?: FakeSlackOptions;
  openai?: FakeOpenAIOptions;
  redis?: boolean;
  socketMode?: boolean;
  /** Many-workspace mode: no bot token, workspaces install the app through OAuth. */
  oauth?: boolean;
  env?: Record<string, string>;
  /** Share another harness's Redis keys (a second replica of the same deployment). */
  prefix?: string;
  /** Return from start() before the start-up warm-up has finished (to watch /readyz during it). */
  skipWarmUpWait?: boolean;
  /** How long running turns get to finish when the bot stops (default 5 s). */
  shutdownGraceMs?: number;
  /** Where the app records questions its sources could not answer. */
  knowledgeGaps?: KnowledgeGaps;
  /** The index knowledge sources are synced into (replicas of one deployment share one). */
  knowledgeIndex?: KnowledgeIndex;
}

export const OAUTH = {
  clientId: '1111111111.2222222222',
  clientSecret: 'c1e2n3t4s5e6c7r8e9t0',
  stateSecret: 'state-secret-for-tests-0123456789',
};

/** The real app in-process, wired to fake Slack and fake OpenAI servers on loopback, with captured JSON logs. */
export class Harness {
  readonly slack: FakeSlack;
  readonly openai: FakeOpenAI;
  readonly logs: string[] = [];
  private readonly parsed: Array<Record<string, unknown>> = [];
  private readonly logWatchers = new Set<() => void>();
  readonly prefix: string;
  bot!: Threadwise;
  port = 0;
  private botStopped = false;
  private env: NodeJS.ProcessEnv = {};

  constructor(private readonly options: HarnessOptions = {}) {
    this.prefix = options.prefix ?? `twtest:${randomBytes(4).toString('hex')}:`;
    this.slack = new FakeSlack({
      ...(options.oauth
        ? {
            oauth: {
              clientId: OAUTH.clientId,
              clientSecret: OAUTH.clientSecret,
              redirectUri: 'https://threadwise.example.com/slack/oauth_redirect',
            },
          }
        : {}),
      users: {
        U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada' },
        U2: { name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace' },
      },
      ...options.slack,
    });
    this.openai = new FakeOpenAI({ apiKey: OPENAI_KEY, ...options.openai });
  }

  get eventsUrl(): string {
    return `http://127.0.0.1:${this.port}/slack/events`;
  }

  async start(): Promise<this> {
    const slackUrl = await this.slack.start();
    const openaiUrl = await this.openai.start();
    const configPath = join(mkdtempSync(join(tmpdir(), 'tw-it-')), 'threadwise.yml');
    this.writeConfig(configPath, this.options.yaml ?? '');
    this.env = {
      ...(this.options.oauth
        ? {
            SLACK_CLIENT_ID: OAUTH.clientId,
            SLACK_CLIENT_SECRET: OAUTH.clientSecret,
            SLACK_STATE_SECRET: OAUTH.stateSecret,
          }
        : { SLACK_BOT_TOKEN: this.slack.botToken }),
      ...(this.options.socketMode
        ? { SLACK_APP_TOKEN: this.slack.appToken }
        : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
      SLACK_API_URL: slackUrl,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openaiUrl,
      THREADWISE_CONFIG: configPath,
      PORT: '0',
      LOG_LEVEL: 'debug',
      ...(this.options.redis === false ? {} : { REDIS_URL: REDIS_URL }),
      ...this.options.env,
    };
    await this.boot();
    return this;
  }

  private async boot(): Promise<void> {
    const destination = new Writable({
      write: (chunk, _enc, cb) => {
        for (const line of String(chunk).split('\n').filter(Boolean)) {
          this.logs.push(line);
          this.parsed.push(JSON.parse(line) as Record<string, unknown>);
        }
        for (const w of [...this.logWatchers]) w();
        cb();
      },
    });
    this.botStopped = false;
    this.bot = await createThreadwise(loadConfig(this.env), {
      logDestination: destination,
      shutdownGraceMs: this.options.shutdownGraceMs ?? 5_000,
      ...(this.options.knowledgeGaps ? { knowledgeGaps: this.options.knowledgeGaps } : {}),
      ...(this.options.knowledgeIndex ? { knowledgeIndex: this.options.knowledgeIndex } : {}),
    });
    const from = this.parsed.length;
    this.port = (await this.bot.start()).port;
    // Tests start where a load balancer would: once /readyz says ready, after the warm-up.
    if (!this.options.skipWarmUpWait)
      await waitFor(
        () => this.parsed.slice(from).some((l) => l.msg === 'warm-up finished'),
        [this.newLogLine],
        'the start-up warm-up',
        SIGNAL_TIMEOUT_MS,
      );
  }

  /** The YAML as THREADWISE_CONFIG, on this harness's key prefix. */
  private writeConfig(path: string, yaml: string): void {
    const config = (parseYaml(yaml) ?? {}) as { state?: Record<string, unknown> };
    config.state = { ...config.state, key_prefix: this.prefix };
    writeFileSync(path, stringifyYaml(config));
  }

  /** Edits THREADWISE_CONFIG in place while the app runs (it reloads it by itself); `raw` is written as given. */
  editConfig(change: { yaml: string } | { raw: string }): void {
    const path = String(this.env.THREADWISE_CONFIG);
    if ('yaml' in change) this.writeConfig(path, change.yaml);
    else writeFileSync(path, change.raw);
  }

  /** THREADWISE_CONFIG as the app reads it (for the command line against the same Redis). */
  get configPath(): string {
    return String(this.env.THREADWISE_CONFIG);
  }

  /** The key prefix line a raw settings file needs to keep this harness's Redis keys apart. */
  get prefixYaml(): string {
    return `state:\n  key_prefix: "${this.prefix}"\n`;
  }

  /** A deploy that changes the configuration: the app restarts on `yaml`, with the same state (Redis) and fakes. */
  async reconfigure(yaml: string): Promise<void> {
    await this.bot.stop();
    this.writeConfig(String(this.env.THREADWISE_CONFIG), yaml);
    await this.boot();
  }

  /** Stops the app and starts a fresh one with these environment changes (undefined unsets); rejects as start-up does. */
  async restartWith(env: Record<string, string | undefined>): Promise<void> {
    await this.bot.stop();
    const next = { ...this.env, ...env };
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    this.env = next;
    await this.boot();
  }

  /** Stops the app and starts a fresh one with the same configuration (state must come from Redis). */
  async restart(): Promise<void> {
    await this.bot.stop();
    await this.boot();
  }

  /** Stops the bot alone, as SIGTERM does; the fakes stay up so the test can look at what it left behind. */
  async stopBot(): Promise<void> {
    this.botStopped = true;
    await this.bot.stop();
  }

  async stop(): Promise<void> {
    // A test may already have stopped the bot itself (to watch the stop); the fakes and keys go here in any case.
    if (!this.botStopped) await this.bot?.stop().catch(() => undefined);
    await Promise.all([this.slack.close(), this.openai.close()]);
    if (this.options.redis !== false) {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${this.prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  }

  /** Delivers an event for a workspace (`opts.teamId`, default the fake's own), authorized for that workspace's bot. */
  send(event: Record<string, unknown>, opts: Partial<SendEventOptions> = {}) {
    const teamId = opts.teamId ?? this.slack.teamId;
    const authedUserId = this.slack.workspace(teamId).botUserId;
    return sendEvent(this.eventsUrl, event, {
      signingSecret: SIGNING_SECRET,
      teamId,
      authedUserId,
      recordTo: this.slack,
      ...opts,
    });
  }

  mention(input: Partial<MentionInput> & { text: string }, opts: Partial<SendEventOptions> = {}) {
    const team = opts.teamId ?? this.slack.teamId;
    const bot = this.slack.workspace(team).botUserId;
    return this.send(
      appMention({ user: 'U1', channel: 'C0SUP1', team, ...input, text: `<@${bot}> ${input.text}` }),
      opts,
    );
  }

  message(input: Partial<MessageInput> & { text: string; channel: string }, opts: Partial<SendEventOptions> = {}) {
    return this.send(messageEvent({ user: 'U1', team: opts.teamId ?? this.slack.teamId, ...input }), opts);
  }

  /** Runs `/threadwise <text>` as Slack posts it; resolves with the HTTP answer (the ephemeral reply is its body). */
  async slash(text: string, input: { user?: string; channel?: string; command?: string } = {}) {
    const res = await sendSlashCommand(
      this.eventsUrl,
      {
        command: input.command ?? '/threadwise',
        text,
        user_id: input.user ?? 'U1',
        channel_id: input.channel ?? 'C0SUP1',
        // Slack sends every command a response_url; this one reaches the fake (its hookMessages).
        response_url: this.slack.responseUrl(),
      },
      { signingSecret: SIGNING_SECRET, teamId: this.slack.teamId },
    );
    return { ...res, json: res.body ? (JSON.parse(res.body) as { response_type?: string; text?: string }) : {} };
  }

  /** Posts an interactivity payload (block_actions, message_action, view_submission) as Slack does. */
  async interact(payload: Record<string, unknown>) {
    const res = await sendInteraction(this.eventsUrl, payload, {
      signingSecret: SIGNING_SECRET,
      teamId: this.slack.teamId,
    });
    return { ...res, json: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  }

  parsedLogs(): Array<Record<string, unknown>> {
    return [...this.parsed];
  }

  private readonly newLogLine: ChangeSource = (fn) => {
    this.logWatchers.add(fn);
    return () => this.logWatchers.delete(fn);
  };

  /** Everything a test may wait on: a new log line, and each request the fake Slack answered or fake OpenAI got. */
  private get sources(): ChangeSource[] {
    return [this.newLogLine, (fn) => this.slack.watch(fn), (fn) => this.openai.watch(fn)];
  }

  /** Resolves when the turn started by this event has finished (its reply is complete in Slack). */
  async turnFinished(eventId: string, timeoutMs = SIGNAL_TIMEOUT_MS): Promise<Record<string, unknown>> {
    return this.waitForLog((l) => l.msg === 'turn finished' && l.turn === eventId, timeoutMs);
  }

  /** The first log line that matches, as soon as it is written. */
  waitForLog(
    pred: (line: Record<string, unknown>) => boolean,
    timeoutMs = SIGNAL_TIMEOUT_MS,
  ): Promise<Record<string, unknown>> {
    // Each line is looked at once, in order, as it arrives (many waiters on a busy log stay cheap).
    let next = 0;
    const scan = () => {
      for (; next < this.parsed.length; next++) if (pred(this.parsed[next]!)) return this.parsed[next];
      return undefined;
    };
    return waitFor(scan, [this.newLogLine], 'a log line', timeoutMs);
  }

  /** Resolves once `check` holds, re-checked on every log line and every request the fakes see. */
  async until(check: () => boolean, what: string, timeoutMs = SIGNAL_TIMEOUT_MS): Promise<void> {
    await waitFor(check, this.sources, what, timeoutMs);
  }

  /**
   * Proves a negative without a pause: resolves once the turn queue holds no waiting, delayed or running job.
   * Slack's deliveries are acknowledged only after their listener queued or dropped them (processBeforeResponse,
   * and Socket Mode acks after queueing), so once their answers are in, anything they queued is visible here, and
   * a turn they should not have started has run to its end (model call included) by the time this resolves.
   */
  async settled(timeoutMs = SIGNAL_TIMEOUT_MS): Promise<void> {
    const target = redisTarget(this.env);
    if (!target) throw new Error('settled() reads the BullMQ queue: use a Harness with Redis');
    // Wherever the app's Redis is (one server, Sentinel, Cluster), reached the way the app reaches it.
    const [own, blocking] = [connectRedis(target, {}), connectRedis(target, { maxRetriesPerRequest: null })];
    for (const c of [own, blocking]) c.on('error', () => undefined);
    const prefix = storeKeys(this.prefix).bull;
    const queue = new Queue(QUEUE_NAME, { connection: own, prefix });
    // BullMQ's own event stream says when a job completes, fails or is delayed: the counts are re-read then.
    const events = new QueueEvents(QUEUE_NAME, { connection: blocking, prefix });
    try {
      await events.waitUntilReady();
      let idle = false;
      let latest = 0;
      const check = async () => {
        const mine = ++latest;
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
        // An older count that arrives late must not overwrite a newer one.
        if (mine === latest) idle = Object.values(counts).every((n) => n === 0);
      };
      const queueChanged: ChangeSource = (fn) => {
        const recheck = () => void check().then(fn);
        for (const e of ['completed', 'failed', 'delayed', 'waiting', 'active'] as const) events.on(e, recheck);
        // Counted once listening: a job that completes between a count and the subscription is not missed.
        recheck();
        return () => {
          for (const e of ['completed', 'failed', 'delayed', 'waiting', 'active'] as const) events.off(e, recheck);
        };
      };
      await waitFor(() => idle, [queueChanged], 'the turn queue to be empty', timeoutMs);
    } finally {
      await Promise.all([queue.close(), events.close()]);
      for (const c of [own, blocking]) c.disconnect();
    }
  }

  /** What a person reads in the thread: the bot's replies (the bot of the channel's workspace), in order. */
  replies(channel: string, threadTs: string) {
    return this.slack.threadReplies(channel, threadTs);
  }
}
