import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { answeredOn } from '../../src/features/knowledge/earlier-answers.js';
import { RedisSearchBudget } from '../../src/platform/slack/search-budget.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import { appMention } from '../fakes/slack-events.js';
import { Harness, REDIS_URL } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const EARLIER = 'VPN token reset: open the self-service portal, choose Security and press Regenerate.';

async function start() {
  const harness = await new Harness({
    yaml: 'knowledge:\n  slack_search: true\n',
    slack: {
      users: {
        U1: { name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada', tz: 'Asia/Tokyo' },
        U2: { name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace' },
        UGUEST: { name: 'gus', real_name: 'Gus Guest', display_name: 'Gus', is_restricted: true },
      },
      channels: {
        C0SUP1: { name: 'it-help', members: ['U1', 'U2'] },
        C0GUEST: { name: 'vendors', members: ['U1', 'UGUEST'] },
      },
    },
  }).start();
  h = harness;
  // An earlier thread among people, one the bot took no part in: only Slack search can find it.
  const root = harness.slack.addMessage('C0SUP1', {
    user: 'U1',
    text: 'My VPN token stopped working, how do I reset it?',
  });
  const answerTs = harness.slack.addMessage('C0SUP1', { user: 'U2', text: EARLIER, thread_ts: root });
  const permalink = `https://fake-team.slack.com/archives/C0SUP1/p${answerTs.replace('.', '')}?thread_ts=${root}&cid=C0SUP1`;
  return { harness, permalink, answerTs };
}

/** Every key and value under the harness's prefix, as one string to search. */
async function redisDump(prefix: string): Promise<string> {
  const redis = new Redis(REDIS_URL);
  try {
    const out: string[] = [];
    for (const key of await redis.keys(`${prefix}*`)) {
      const type = await redis.type(key);
      const value =
        type === 'string'
          ? await redis.get(key)
          : type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'list'
              ? JSON.stringify(await redis.lrange(key, 0, -1))
              : type === 'zset'
                ? JSON.stringify(await redis.zrange(key, '0', '-1'))
                : type === 'set'
                  ? JSON.stringify(await redis.smembers(key))
                  : type === 'stream'
                    ? JSON.stringify(await redis.xrange(key, '-', '+'))
                    : '';
      out.push(key, String(value ?? ''));
    }
    return out.join('\n');
  } finally {
    await redis.quit();
  }
}

describe('earlier answers found through Slack search (knowledge.slack_search)', () => {
  it('links the earlier thread that answers a new question, dated in the asker’s time zone, and stores none of it', async () => {
    const { harness, permalink, answerTs } = await start();
    const date = answeredOn(answerTs, { timeZone: 'Asia/Tokyo' }, 'en');
    harness.openai.enqueue({ kind: 'text', text: `You can do it yourself (answered on ${date}: ${permalink}).` });
    const question = appMention({
      user: 'U1',
      channel: 'C0SUP1',
      text: `<@${harness.slack.botUserId}> how can I reset my VPN token?`,
    });
    const sent = await harness.send(question);
    await harness.turnFinished(sent.eventId);

    // The model read the earlier answer, marked as data, with the line to cite it by.
    const input = JSON.stringify(harness.openai.responsesRequests()[0]!.body.input);
    expect(input).toContain('self-service portal');
    expect(input).toContain(`answered on ${date}: ${permalink}`);
    const search = harness.slack.callsTo('assistant.search.context');
    expect(search).toHaveLength(1);
    expect(search[0]!.args).toMatchObject({ query: 'how can I reset my VPN token?' });
    // Cited under the answer as a source.
    const shown = harness
      .replies('C0SUP1', String(question.ts))
      .map((m) => m.text)
      .join('\n');
    expect(shown).toContain(`[answered on ${date}](${permalink})`);

    // Nothing of what search found, nor the action token, is kept in Redis or written to the log.
    const token = String(search[0]!.args.action_token);
    const dump = await redisDump(harness.prefix);
    // (The answer itself, link included, is the bot's own and is kept with the thread, as every answer is.)
    expect(dump).not.toContain('self-service portal');
    expect(dump).not.toContain(token);
    const logs = harness.logs.join('\n');
    expect(logs).not.toContain('self-service portal');
    expect(logs).not.toContain(token);
  });

  it('finds nothing for a guest who is not in that channel', async () => {
    const { harness } = await start();
    harness.openai.enqueue({ kind: 'text', text: 'I do not know; please ask IT.' });
    const sent = await harness.mention({ user: 'UGUEST', channel: 'C0GUEST', text: 'how can I reset my VPN token?' });
    await harness.turnFinished(sent.eventId);
    expect(harness.slack.callsTo('assistant.search.context')).toHaveLength(1);
    const input = JSON.stringify(harness.openai.responsesRequests()[0]!.body.input);
    expect(input).not.toContain('self-service portal');
    expect(input).not.toContain('answered on');
  });
});

describe('the search budget in Redis', () => {
  it('is one count per workspace and minute for every replica', async () => {
    const redis = new Redis(REDIS_URL);
    const keys = storeKeys(`twtest:budget:${Date.now()}:`);
    const now = () => 1_800_000_000_000;
    const [a, b] = [new RedisSearchBudget(redis, keys, 10, now), new RedisSearchBudget(redis, keys, 10, now)];
    try {
      const taken = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).take('T1')));
      expect(taken.filter(Boolean)).toHaveLength(10);
      expect(await a.take('T2')).toBe(true);
      expect(await redis.pttl(keys.slackSearchBudget('T1', Math.floor(now() / 60_000)))).toBeGreaterThan(60_000);
    } finally {
      const left = await redis.keys(`${keys.slackSearchBudget('', 0).split('slack-search-budget')[0]}*`);
      if (left.length) await redis.del(...left);
      await redis.quit();
    }
  });
});
