import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { utcDay, utcMonth } from '../../src/features/usage/periods.js';
import { RedisUsageStore } from '../../src/features/usage/redis-usage.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import { RedisThreadStore } from '../../src/platform/store/redis/redis-stores.js';
import { FakeOpenAI, type RecordedRequest } from '../fakes/openai-server.js';
import { FakeSlack } from '../fakes/slack-api.js';
import { appMention, messageEvent, newEventId, nextTs, sendEvent } from '../fakes/slack-events.js';
import { SIGNAL_TIMEOUT_MS, waitFor } from '../support/wait.js';
import { OPENAI_KEY, REDIS_URL, SIGNING_SECRET } from './harness.js';
import { BotProcess, configFile } from './processes.js';

// Several real replicas (separate OS processes) sharing one Redis, fake Slack and fake OpenAI.
const CH = 'C0REPL1';
const NOTE = '_↻ Answer restarted after an interruption._';
const LONG = `${Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')}.`;

let slack: FakeSlack;
let openai: FakeOpenAI;
let env: Record<string, string>;
let prefix: string;
const bots: BotProcess[] = [];
const seen = new Map<string, number>();

/** The question of a request: the last user input, without the "Name: " prefix. */
function question(req: RecordedRequest): string {
  const input = req.body.input as Array<{ role?: string; content?: Array<{ text?: string }> }>;
  const last = input.filter((i) => i.role === 'user').at(-1);
  return String(last?.content?.[0]?.text ?? '')
    .replace(/^[^:]+: /, '')
    .replace(/<@\w+>\s*/, '');
}

beforeAll(async () => {
  slack = new FakeSlack({ users: { U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada' } } });
  openai = new FakeOpenAI({ apiKey: OPENAI_KEY });
  // Answers name their question, so a lost, duplicated or swapped answer is visible; "long" questions stream
  // slowly the first time they are asked (time to kill a replica mid-answer), quickly after that.
  openai.setDefault((req) => {
    const q = question(req);
    const n = (seen.get(q) ?? 0) + 1;
    seen.set(q, n);
    if (q.startsWith('long'))
      return n === 1
        ? { kind: 'text', text: `${q}: ${LONG}`, chunkSize: 6, deltaDelayMs: q.includes('stoppable') ? 250 : 60 }
        : { kind: 'text', text: `${q}: ${LONG}` };
    return { kind: 'text', text: `Answer to ${q}.`, ...(q.includes('slow') ? { firstTokenDelayMs: 500 } : {}) };
  });
  const [slackUrl, openaiUrl] = await Promise.all([slack.start(), openai.start()]);
  prefix = `twtest:${randomBytes(4).toString('hex')}:`;
  const config = configFile(
    `state:\n  key_prefix: "${prefix}"\nqueue:\n  lock_ms: 2000\n  stalled_check_ms: 500\n  shutdown_grace_ms: 8000\n`,
  );
  env = {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackUrl,
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: openaiUrl,
    THREADWISE_CONFIG: config,
    REDIS_URL,
    PORT: '0',
    LOG_LEVEL: 'debug',
  };
});

afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
});

afterAll(async () => {
  await Promise.all([slack.close(), openai.close()]);
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function replicas(...names: string[]): Promise<BotProcess[]> {
  const started = names.map((n) => new BotProcess(n, env));
  bots.push(...started);
  return Promise.all(started.map((b) => b.ready()));
}

/** Delivers one event (same event_id) to each given replica at once, as a retrying Slack could. */
async function deliver(targets: BotProcess[], event: Record<string, unknown>, eventId = newEventId()) {
  const results = await Promise.all(
    targets.map((b) =>
      sendEvent(b.eventsUrl, event, { signingSecret: SIGNING_SECRET, teamId: slack.teamId, eventId, recordTo: slack }),
    ),
  );
  return { eventId, statuses: results.map((r) => r.status) };
}

const finished = (bs: BotProcess[], eventId: string) =>
  bs.some((b) => b.has((l) => l.msg === 'turn finished' && l.turn === eventId));

/** Re-checked on every log line of a replica and every request the fakes see: no polling. */
const until = (check: () => boolean, timeoutMs: number, what: string) =>
  waitFor(
    check,
    [(fn) => slack.watch(fn), (fn) => openai.watch(fn), ...bots.map((b) => (fn: () => void) => b.watch(fn))],
    what,
    Math.max(timeoutMs, SIGNAL_TIMEOUT_MS),
  );

const replyTexts = (threadTs: string) => slack.threadReplies(CH, threadTs).map((m) => m.text);

describe('several replicas on one Redis', () => {
  it('answer each question exactly once, in order per thread, when both receive every event', async () => {
    const [a, b] = await replicas('A', 'B');
    const roots = ['r1', 'r2', 'r3'].map((r) =>
      appMention({ user: 'U1', channel: CH, text: `<@${slack.botUserId}> ${r} slow` }),
    );
    const follows = roots.map((root, i) =>
      appMention({ user: 'U1', channel: CH, thread_ts: String(root.ts), text: `<@${slack.botUserId}> f${i + 1}` }),
    );
    // Roots and their follow-ups arrive together: the follow-up must wait for the (slow) first answer.
    const sent = await Promise.all([...roots, ...follows].map((ev) => deliver([a!, b!], ev)));
    for (const s of sent) expect(s.statuses).toEqual([200, 200]);
    await until(() => sent.every((s) => finished([a!, b!], s.eventId)), 20_000, 'all turns');

    roots.forEach((root, i) => {
      expect(replyTexts(String(root.ts))).toEqual([`Answer to r${i + 1} slow.`, `Answer to f${i + 1}.`]);
    });
    const requests = openai.responsesRequests().filter((r) => /^(r|f)\d/.test(question(r)));
    expect(requests).toHaveLength(6);
    // Each follow-up was answered with the first exchange of its thread in the history.
    for (const req of requests.filter((r) => question(r).startsWith('f'))) {
      const n = question(req).slice(1);
      expect(JSON.stringify(req.body.input)).toContain(`Answer to r${n} slow.`);
    }
  });

  it('finishes an answer whose replica was killed mid-stream, in the same message, without a second answer', async () => {
    const [a, b] = await replicas('A', 'B');
    const root = appMention({ user: 'U1', channel: CH, text: `<@${slack.botUserId}> long one` });
    const { eventId } = await deliver([a!], root);
    const rootTs = String(root.ts);
    // Wait until the answer is visibly streaming, then kill -9 the replica running it.
    await until(() => (replyTexts(rootTs)[0] ?? '').includes('word3'), 10_000, 'a half-streamed answer');
    // ...and its message is on record (the turn's reply ledger in Redis): on a loaded machine the first words can
    // be visible a moment before that write lands, and a crash in that moment is not what this test is about.
    const ledger = new Redis(REDIS_URL);
    await expect
      .poll(() => ledger.exists(storeKeys(prefix).turnReplies(eventId)), { timeout: SIGNAL_TIMEOUT_MS, interval: 20 })
      .toBe(1);
    await ledger.quit();
    const runner = [a!, b!].find((x) => x.has((l) => l.msg === 'turn started' && l.turn === eventId))!;
    const survivor = runner === a ? b! : a!;
    runner.kill('SIGKILL');
    await runner.exited;
    const partial = replyTexts(rootTs)[0]!;
    expect(partial).not.toContain('word39');

    await survivor.waitFor((l) => l.msg === 'turn finished' && l.turn === eventId);
    const replies = slack.threadReplies(CH, rootTs);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toBe(`${NOTE}\n\nlong one: ${LONG}`);
    expect(replies[0]!.streaming_state).not.toBe('in_progress');
    expect(survivor.has((l) => l.msg === 'turn started' && l.turn === eventId && l.resumed === true)).toBe(true);
  });

  it('takes over a turn its replica started at once (no queued job) when that replica is killed mid-answer', async () => {
    const [a, b] = await replicas('A', 'B');
    const root = appMention({ user: 'U1', channel: CH, text: `<@${slack.botUserId}> long takeover` });
    const { eventId } = await deliver([a!], root);
    const rootTs = String(root.ts);
    await until(() => (replyTexts(rootTs)[0] ?? '').includes('word3'), 10_000, 'a half-streamed answer');
    const redis = new Redis(REDIS_URL);
    const keys = storeKeys(prefix);
    const thread = { teamId: slack.teamId, channel: CH, threadTs: rootTs };
    try {
      await expect
        .poll(() => redis.exists(keys.turnReplies(eventId)), { timeout: SIGNAL_TIMEOUT_MS, interval: 20 })
        .toBe(1);
      // Started by A where it arrived: on record, with no BullMQ job for it.
      expect(await redis.hexists(keys.turnRecords(thread), eventId)).toBe(1);
      expect(await redis.exists(`${keys.bull}:turns:${eventId}`)).toBe(0);
      a!.kill('SIGKILL');
      await a!.exited;

      // B's sweep finds the lease run out, queues the record, and its run finishes the same message.
      await b!.waitFor((l) => String(l.msg).startsWith('a turn lost its replica') && l.job === eventId);
      await b!.waitFor((l) => l.msg === 'turn finished' && l.turn === eventId);
      const replies = slack.threadReplies(CH, rootTs);
      expect(replies).toHaveLength(1);
      expect(replies[0]!.text).toBe(`${NOTE}\n\nlong takeover: ${LONG}`);
      expect(replies[0]!.streaming_state).not.toBe('in_progress');
      // Over: no record, no place in line (released just after "turn finished" is logged).
      await expect
        .poll(() => redis.hexists(keys.turnRecords(thread), eventId), { timeout: SIGNAL_TIMEOUT_MS, interval: 20 })
        .toBe(0);
      expect(await redis.zrange(keys.threadQueue(thread), '0', '-1')).toEqual([]);
    } finally {
      await redis.quit();
    }
  });

  it('answers a message once when its app_mention and message deliveries and a Slack retry reach two replicas', async () => {
    const [a, b] = await replicas('A', 'B');
    const ts = nextTs();
    const text = `<@${slack.botUserId}> double delivery`;
    const mention = appMention({ user: 'U1', channel: CH, text, ts });
    const message = messageEvent({ user: 'U1', channel: CH, text, ts });
    const mentionId = newEventId();
    const sent = await Promise.all([
      deliver([a!], mention, mentionId),
      deliver([b!], message),
      deliver([b!], mention, mentionId),
    ]);
    for (const s of sent) expect(s.statuses).toEqual([200]);
    // Each delivery was acknowledged, so each was accepted or found a duplicate: one turn, whichever it is.
    await until(() => sent.some((x) => finished([a!, b!], x.eventId)), 15_000, 'the answer');
    const turns = new Set(sent.map((s) => s.eventId).filter((id) => finished([a!, b!], id)));
    expect(turns.size).toBe(1);
    expect(replyTexts(ts)).toEqual(['Answer to double delivery.']);
    expect(openai.responsesRequests().filter((r) => question(r) === 'double delivery')).toHaveLength(1);
  });

  it('stops an answer when Stop is pressed, though the Stop reaches the other replica', async () => {
    const [a, b] = await replicas('A', 'B');
    const root = appMention({ user: 'U1', channel: CH, text: `<@${slack.botUserId}> long stoppable` });
    const { eventId } = await deliver([a!], root);
    const rootTs = String(root.ts);
    await until(() => (replyTexts(rootTs)[0] ?? '').includes('word3'), 10_000, 'a streaming answer');
    await until(() => slack.agentSession(CH, rootTs)?.status === 'processing', 10_000, 'a processing session');
    const runner = [a!, b!].find((x) => x.has((l) => l.msg === 'turn started' && l.turn === eventId))!;
    const other = runner === a ? b! : a!;

    const redis = new Redis(REDIS_URL);
    const usage = new RedisUsageStore(redis, storeKeys(prefix));
    const period = { teamId: slack.teamId, userId: 'U1', day: utcDay(Date.now()), month: utcMonth(Date.now()) };
    const before = (await usage.report(period, 0)).userToday;

    const pressed = Date.now();
    await deliver([other], slack.pressStop(CH, rootTs, 'U1'));
    await runner.waitFor((l) => l.msg === 'stop requested: stopping the turn' && l.turn === eventId);
    expect(Date.now() - pressed).toBeLessThan(1_000);
    const done = await runner.waitFor((l) => l.msg === 'turn finished' && l.turn === eventId);
    expect(done.outcome).toBe('stopped');

    const [reply, ...more] = slack.threadReplies(CH, rootTs);
    expect(more).toEqual([]);
    expect(reply!.text).toMatch(/^long stoppable: word0 .*\n\n_Stopped\._$/s);
    expect(reply!.text).not.toContain('word39');
    expect(reply!.streaming_state).not.toBe('in_progress');
    await until(() => slack.agentSession(CH, rootTs)?.status === 'active', 5_000, 'the session active again');
    const asked = openai.responsesRequests().filter((r) => question(r) === 'long stoppable');
    expect(asked).toHaveLength(1);
    // The model stream was aborted: the connection to OpenAI closed before the response was complete.
    await until(() => asked[0]!.abandoned === true, 5_000, 'the model stream aborted');

    try {
      // Stored as stopped: the question and the part that was shown, nothing after it.
      const stored = await new RedisThreadStore(redis, storeKeys(prefix), 86_400, 10).load({
        teamId: slack.teamId,
        channel: CH,
        threadTs: rootTs,
      });
      const shown = reply!.text.replace(/\n\n_Stopped\._$/, '');
      expect(stored).toEqual([
        expect.objectContaining({ type: 'user', ts: rootTs }),
        expect.objectContaining({ type: 'assistant', text: shown, stopped: true }),
      ]);
      // Its tokens count: what the model read, and what it wrote until the Stop (not the whole answer).
      const after = (await usage.report(period, 0)).userToday;
      expect(after.calls - before.calls).toBe(1);
      expect(after.inputTokens - before.inputTokens).toBeGreaterThan(0);
      const written = after.outputTokens - before.outputTokens;
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(Math.ceil(`long stoppable: ${LONG}`.length / 4));
    } finally {
      await redis.quit();
    }
  });

  it('drains on SIGTERM: finishes the running answer, refuses new events with 503, exits 0', async () => {
    const [a] = await replicas('A');
    const root = appMention({ user: 'U1', channel: CH, text: `<@${slack.botUserId}> long drain` });
    const running = await deliver([a!], root);
    await until(() => (replyTexts(String(root.ts))[0] ?? '').includes('word3'), 10_000, 'a streaming answer');
    a!.kill('SIGTERM');
    await a!.waitFor((l) => String(l.msg).startsWith('draining'));
    const late = appMention({ user: 'U1', channel: CH, text: `<@${slack.botUserId}> late question` });
    const refused = await deliver([a!], late);
    expect(refused.statuses).toEqual([503]);
    const ready = await fetch(`http://127.0.0.1:${a!.port}/readyz`);
    expect(ready.status).toBe(503);

    expect(await a!.exited).toBe(0);
    expect(finished([a!], running.eventId)).toBe(true);
    expect(replyTexts(String(root.ts))).toEqual([`long drain: ${LONG}`]);

    // Slack delivers the refused event again later, to a replica that is up: it is answered once.
    const [b] = await replicas('B');
    const retried = await deliver([b!], late, refused.eventId);
    expect(retried.statuses).toEqual([200]);
    await b!.waitFor((l) => l.msg === 'turn finished' && l.turn === refused.eventId);
    expect(replyTexts(String(late.ts))).toEqual(['Answer to late question.']);
  });
});
