import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildEventEnvelope, newEventId, sendEvent } from '../test/fakes/slack-events.js';
import type { Json } from '../test/fakes/slack-state.js';
import { productionNodeArgs } from '../test/support/production.js';
import { AppProcess, type Probe } from './child.js';
import { channelOf, type Fakes, OPENAI_KEY } from './fakes.js';
import { Latch } from './latch.js';

const ROOT = resolve(import.meta.dirname, '..');
const SIGNING_SECRET = 'bench-signing-secret-0123456789ab';
const ACK_TIMEOUT_MS = 60_000;

export type BotKind = 'template' | 'threadwise-socket' | 'threadwise-http';

export const BOT_LABEL: Record<BotKind, string> = {
  template: 'template (Socket)',
  'threadwise-socket': 'Threadwise (Socket)',
  'threadwise-http': 'Threadwise (HTTP)',
};

/** One app under test, started against one set of fakes. */
export interface Bot {
  readonly kind: BotKind;
  /** Starts the app; resolves with the ms from spawn until it is healthy. */
  start(): Promise<number>;
  /** Delivers one event the way Slack does in the bot's mode; resolves with the ms until Slack got its ack. */
  deliver(event: Json, eventId: string): Promise<number>;
  /** Resolves with the time the app finished answering the event. */
  finished(eventId: string, channel: string, timeoutMs: number): Promise<number>;
  probe(): Promise<Probe>;
  /** Host:port of connections the loopback guard refused. */
  blocked(): string[];
  stop(): Promise<void>;
}

export interface BotOptions {
  fakes: Fakes;
  redisUrl: string;
  /** Instead of REDIS_URL: REDIS_CLUSTER_NODES or REDIS_SENTINELS + REDIS_SENTINEL_NAME (bench/cluster.ts). */
  redisEnv?: Record<string, string>;
  /** Replicas of one deployment share it; by default every bot gets its own. */
  keyPrefix?: string;
  /** Checkout of slack-samples/bolt-js-assistant-template (for the template). */
  peerDir?: string;
  /** Extra node flags for the app (e.g. --cpu-prof). */
  nodeOptions?: string[];
}

export function makeBot(kind: BotKind, o: BotOptions): Bot {
  return kind === 'template' ? template(o) : threadwise(kind === 'threadwise-socket' ? 'socket' : 'http', o);
}

/** A harmless event both apps acknowledge without starting a turn: Socket Mode's "healthy" is the first ack. */
const emojiChanged = (): Json => ({
  type: 'emoji_changed',
  subtype: 'add',
  name: 'bench',
  value: 'https://emoji.invalid/bench.png',
  event_ts: `${Date.now() / 1000}`,
});

async function socketDeliver(fakes: Fakes, event: Json, eventId: string): Promise<number> {
  const { teamId, botUserId } = fakes.slack;
  const envelope = buildEventEnvelope(event, { teamId, authedUserId: botUserId, eventId });
  const res = await fakes.slack.socketEnvelope('events_api', envelope, { timeoutMs: ACK_TIMEOUT_MS });
  if (!res.acked) throw new Error(`event ${eventId} not acknowledged within ${ACK_TIMEOUT_MS} ms`);
  return res.ackMs;
}

async function firstSocketAck(fakes: Fakes): Promise<void> {
  await fakes.slack.waitForSocketConnections(1, 120_000);
  await socketDeliver(fakes, emojiChanged(), newEventId());
}

function threadwise(transport: 'http' | 'socket', o: BotOptions): Bot {
  const { fakes } = o;
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-config-'));
  const config = join(dir, 'threadwise.yml');
  // Production defaults: only the key prefix is set, so the numbers are what an installation gets.
  writeFileSync(config, `state:\n  key_prefix: "${o.keyPrefix ?? `twbench:${process.pid}:${Date.now()}:`}"\n`);
  const finished = new Latch();
  let app: AppProcess | undefined;
  let port = 0;
  return {
    kind: transport === 'socket' ? 'threadwise-socket' : 'threadwise-http',
    async start() {
      const began = performance.now();
      app = new AppProcess({
        // Compiled JavaScript with the node flags of `npm start`, as production runs it (`npm run bench` builds first).
        command: process.execPath,
        args: productionNodeArgs(),
        cwd: ROOT,
        main: 'dist/main.js',
        jsonLogs: true,
        nodeOptions: o.nodeOptions ?? [],
        env: {
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          THREADWISE_CONFIG: config,
          PORT: '0',
          SLACK_BOT_TOKEN: fakes.slack.botToken,
          ...(transport === 'socket'
            ? { SLACK_APP_TOKEN: fakes.slack.appToken }
            : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
          SLACK_API_URL: fakes.slackUrl,
          OPENAI_API_KEY: OPENAI_KEY,
          OPENAI_BASE_URL: fakes.openaiUrl,
          ...(o.redisEnv ?? { REDIS_URL: o.redisUrl }),
        },
      });
      const listening = new Latch();
      app.onLine((l) => {
        if (l.msg === 'turn finished') finished.mark(String(l.turn));
        if (l.msg === 'threadwise is listening') {
          port = Number(l.port);
          listening.mark('listening');
        }
      });
      await Promise.race([
        listening.wait('listening', 120_000),
        app.exited.then(() => Promise.reject(new Error('exited'))),
      ]);
      if (transport === 'socket') await firstSocketAck(fakes);
      else await untilReady(port);
      return performance.now() - began;
    },
    async deliver(event, eventId) {
      if (transport === 'socket') return socketDeliver(fakes, event, eventId);
      const res = await sendEvent(`http://127.0.0.1:${port}/slack/events`, event, {
        signingSecret: SIGNING_SECRET,
        teamId: fakes.slack.teamId,
        authedUserId: fakes.slack.botUserId,
        eventId,
        recordTo: fakes.slack,
      });
      if (res.status !== 200) throw new Error(`event ${eventId} answered ${res.status}: ${res.body}`);
      return res.elapsedMs;
    },
    finished: (eventId, _channel, timeoutMs) => finished.wait(eventId, timeoutMs),
    probe: () => app!.probe(),
    blocked: () => app?.blocked() ?? [],
    stop: async () => app?.stop(),
  };
}

/** /readyz answers 200 once Redis and Slack answer; polled because it is the signal a load balancer uses. */
async function untilReady(port: number): Promise<void> {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Slack's template, started with its own start command; it answers in a stream that ends with chat.stopStream. */
function template(o: BotOptions): Bot {
  const { fakes } = o;
  if (!o.peerDir) throw new Error('the template needs --peer <dir>');
  const finished = new Latch();
  fakes.onSlackCall((c) => {
    // A turn ends with the stream's stop, or with the template's ":warning: Something went wrong" post.
    const channel = channelOf(c);
    if (channel && (c.method === 'chat.stopStream' || c.method === 'chat.postMessage')) finished.mark(channel, c.at);
  });
  let app: AppProcess | undefined;
  return {
    kind: 'template',
    async start() {
      const began = performance.now();
      app = new AppProcess({
        command: 'npm',
        args: ['start'],
        cwd: o.peerDir!,
        main: 'app.js',
        jsonLogs: false,
        nodeOptions: o.nodeOptions ?? [],
        env: {
          SLACK_BOT_TOKEN: fakes.slack.botToken,
          SLACK_APP_TOKEN: fakes.slack.appToken,
          SLACK_API_URL: fakes.slackUrl,
          OPENAI_API_KEY: OPENAI_KEY,
          OPENAI_BASE_URL: fakes.openaiUrl,
        },
      });
      await firstSocketAck(fakes);
      return performance.now() - began;
    },
    deliver: (event, eventId) => socketDeliver(fakes, event, eventId),
    finished: (_eventId, channel, timeoutMs) => finished.wait(channel, timeoutMs),
    probe: () => app!.probe(),
    blocked: () => app?.blocked() ?? [],
    stop: async () => app?.stop(),
  };
}
