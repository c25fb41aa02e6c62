import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { messageEvent } from '../fakes/slack-events.js';
import { Harness, REDIS_URL } from './harness.js';

const HELP = 'C0HELP';
const LEADS = 'C0LEADS';

let h: Harness | undefined;
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await h?.stop();
  h = undefined;
});

const yaml = [
  'channels:',
  `  ${HELP}:`,
  `    desk: ${JSON.stringify({ auto_answer: false, oncall: ['U7'], sla_minutes: 60 })}`,
  'knowledge:',
  `  gaps: { channel: ${LEADS}, day: monday, hour: 9 }`,
].join('\n');

async function ask(harness: Harness, text: string) {
  const event = messageEvent({ user: 'U1', channel: HELP, text });
  expect((await harness.send(event)).status).toBe(200);
  return String(event.ts);
}

const count = (harness: Harness, msg: string) => harness.parsedLogs().filter((l) => l.msg === msg).length;

describe('the weekly gaps digest', () => {
  it('records the questions left to people and posts them grouped by topic, through the Batch API', async () => {
    const harness = await new Harness({ yaml }).start();
    h = harness;
    // Every start schedules the next Monday's preparation (one job per week, whichever replica schedules it).
    const scheduled = await harness.waitForLog((l) => l.msg === 'gaps digest scheduled');
    expect(new Date(String(scheduled.due)).getUTCDay()).toBe(1);

    // Three desk questions the bot leaves to people (automatic answers are off): each is a hand-off, and a gap.
    const vpn1 = await ask(harness, 'How do I reset my VPN token?');
    await harness.until(() => count(harness, 'desk SLA clock started') === 1, 'the first hand-off');
    const travel = await ask(harness, 'Who approves travel above 2,000 EUR?');
    await harness.until(() => count(harness, 'desk SLA clock started') === 2, 'the second hand-off');
    await ask(harness, 'The VPN drops on hotel wifi');
    await harness.until(() => count(harness, 'desk SLA clock started') === 3, 'the third hand-off');
    const redis = new Redis(REDIS_URL);
    closers.push(() => redis.quit());
    expect(await redis.hlen(`${harness.prefix}{gaps}:items`)).toBe(3);

    // The grouping the model returns through Batch (numbers as the request numbered the questions, oldest first).
    harness.openai.enqueue({
      kind: 'json',
      value: {
        topics: [
          { topic: 'VPN', questions: [1, 3] },
          { topic: 'Travel approvals', questions: [2] },
        ],
      },
    });
    // The weekly job, driven now instead of on Monday: the same queue and worker the schedule uses.
    const queue = new Queue('gaps-digest', { connection: new Redis(REDIS_URL), prefix: `${harness.prefix}{bull}` });
    closers.push(() => queue.close());
    await queue.add('gaps-digest', { kind: 'prepare', due: Date.now() + 1 }, { jobId: 'test-prepare', delay: 1 });
    await harness.waitForLog((l) => l.msg === 'gaps digest submitted to the Batch API');
    await harness.until(() => count(harness, 'gaps digest check scheduled') >= 1, 'the first check on the batch');
    // A deploy while OpenAI works on the batch: the checks wait in Redis and the new process collects.
    await harness.restart();
    // Each check on the Batch is a delayed job ten minutes out: promote it instead of waiting.
    for (let check = 1; count(harness, 'gaps digest posted') === 0; check++) {
      expect(check).toBeLessThan(10);
      await harness.until(() => count(harness, 'gaps digest check scheduled') >= check, 'the next check on the batch');
      const next = (await queue.getDelayed()).find(
        (j) => j.id?.startsWith('gaps-collect') && j.id.endsWith(`_${check}`),
      );
      await next!.promote();
      await harness.until(
        () => count(harness, 'gaps digest posted') > 0 || count(harness, 'gaps digest check scheduled') > check,
        'the check to run',
      );
    }

    const posted = harness.slack.messages(LEADS).filter((m) => m.user === harness.slack.botUserId);
    expect(posted).toHaveLength(1);
    const text = posted[0]!.text;
    expect(text).toContain('(3)');
    expect(text.indexOf('*VPN* — 2')).toBeGreaterThan(-1);
    expect(text.indexOf('*Travel approvals* — 1')).toBeGreaterThan(text.indexOf('*VPN* — 2'));
    expect(text).toContain(
      `https://fake-team.slack.com/archives/${HELP}/p${vpn1.replace('.', '')}|How do I reset my VPN token?`,
    );
    expect(text).toContain(`/p${travel.replace('.', '')}|Who approves travel above 2,000 EUR?`);

    // One Batch, priced at the batch rate through the one price table.
    expect(harness.openai.batches.batches.size).toBe(1);
    const grouped = harness.parsedLogs().find((l) => l.msg === 'gaps digest grouped')!;
    expect(grouped).toMatchObject({ batch_discount: 0.5 });
    expect(Number(grouped.cost_usd)).toBeGreaterThan(0);
  });
});
