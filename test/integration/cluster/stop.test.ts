import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeOpenAI } from '../../fakes/openai-server.js';
import { FakeSlack } from '../../fakes/slack-api.js';
import { appMention, newEventId, sendEvent } from '../../fakes/slack-events.js';
import { SIGNAL_TIMEOUT_MS, waitFor } from '../../support/wait.js';
import { OPENAI_KEY, SIGNING_SECRET } from '../harness.js';
import { BotProcess, configFile } from '../processes.js';
import { RedisCluster } from './topologies.js';

// Two replicas (OS processes) on a real Redis Cluster (3 masters, 3 replicas): Slack's Stop reaches the replica
// that is not streaming the answer, and must still stop it. PUBLISH on a Cluster reaches every node, so each
// replica hears it through whichever node its subscriber connection landed on.
const CH = 'C0STOP1';
const LONG = `${Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ')}.`;

let cluster: RedisCluster | undefined;
let slack: FakeSlack | undefined;
let openai: FakeOpenAI | undefined;
const bots: BotProcess[] = [];
afterEach(async () => {
  await Promise.all(bots.splice(0).map((b) => b.stop()));
  await Promise.all([slack?.close(), openai?.close(), cluster?.stop()]);
  cluster = slack = openai = undefined;
});

describe('Stop on a Redis Cluster', () => {
  it('stops the answer on the replica streaming it, though the Stop reaches the other one', async () => {
    cluster = await new RedisCluster().start();
    slack = new FakeSlack({ users: { U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada' } } });
    openai = new FakeOpenAI({ apiKey: OPENAI_KEY });
    openai.setDefault(() => ({ kind: 'text', text: `stoppable: ${LONG}`, chunkSize: 6, deltaDelayMs: 250 }));
    const [slackUrl, openaiUrl] = await Promise.all([slack.start(), openai.start()]);
    const env = {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slackUrl,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: openaiUrl,
      THREADWISE_CONFIG: configFile(`state:\n  key_prefix: "twstop:${randomBytes(4).toString('hex')}:"\n`),
      REDIS_CLUSTER_NODES: cluster.seeds,
      PORT: '0',
      LOG_LEVEL: 'debug',
    };
    const started = ['A', 'B'].map((n) => new BotProcess(n, env));
    bots.push(...started);
    const [a, b] = await Promise.all(started.map((bot) => bot.ready()));
    const s = slack;
    const o = openai;
    const until = (check: () => boolean, what: string) =>
      waitFor(
        check,
        [(fn) => s.watch(fn), (fn) => o.watch(fn), ...bots.map((bot) => (fn: () => void) => bot.watch(fn))],
        what,
        SIGNAL_TIMEOUT_MS,
      );
    const deliver = (bot: BotProcess, event: Record<string, unknown>) =>
      sendEvent(bot.eventsUrl, event, {
        signingSecret: SIGNING_SECRET,
        teamId: s.teamId,
        eventId: newEventId(),
        recordTo: s,
      });

    const root = appMention({ user: 'U1', channel: CH, text: `<@${s.botUserId}> explain it all` });
    const rootTs = String(root.ts);
    expect((await deliver(a!, root)).status).toBe(200);
    const replyText = () => s.threadReplies(CH, rootTs)[0]?.text ?? '';
    await until(() => replyText().includes('word3'), 'a streaming answer');
    await until(() => s.agentSession(CH, rootTs)?.status === 'processing', 'a processing session');
    // Either replica's worker may have taken the job from the shared queue; the Stop goes to the other one.
    const runner = [a!, b!].find((x) => x.has((l) => l.msg === 'turn started'))!;
    const other = runner === a ? b! : a!;
    expect(other.has((l) => l.msg === 'turn started')).toBe(false);

    const pressed = Date.now();
    expect((await deliver(other, s.pressStop(CH, rootTs, 'U1'))).status).toBe(200);
    await runner.waitFor((l) => l.msg === 'stop requested: stopping the turn');
    expect(Date.now() - pressed).toBeLessThan(1_000);
    const done = await runner.waitFor((l) => l.msg === 'turn finished');
    expect(done.outcome).toBe('stopped');

    const [reply, ...more] = s.threadReplies(CH, rootTs);
    expect(more).toEqual([]);
    expect(reply!.text).toMatch(/^stoppable: word0 .*\n\n_Stopped\._$/s);
    expect(reply!.text).not.toContain('word59');
    expect(reply!.streaming_state).toBe('completed');
    const asked = o.responsesRequests();
    expect(asked).toHaveLength(1);
    await until(() => asked[0]!.abandoned === true, 'the model stream aborted');
    await until(() => s.agentSession(CH, rootTs)?.status === 'active', 'the session active again');
  });
});
