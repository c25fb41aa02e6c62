import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { utcDay } from '../../src/features/usage/periods.js';
import { usageUserKey } from '../../src/features/usage/user-key.js';
import { storeKeys } from '../../src/platform/store/keys.js';
import { type Harness, REDIS_URL } from '../integration/harness.js';
import { SUP_CHANNEL, TOOL_USERS, toolHarness } from '../integration/tool-setup.js';

// Quotas under the abuse that broke them: a question that loops on tools, bursts of questions at once, deleting
// one's data to reset the limit, and the notices that go with each. Real Redis, the app in-process, fake Slack/OpenAI.

let h: Harness;
afterEach(async () => h?.stop());

const USERS = { ...TOOL_USERS, UADMIN: { name: 'ops', real_name: 'Olga Ops', display_name: 'Olga' } };
const LOOKUP = { name: 'lookup_ticket', arguments: '{"ticket_id":"SUP-101"}' };

function harness(yaml: string): Harness {
  return toolHarness({ yaml, slack: { users: USERS } });
}

/** The model asks for the same lookup again and again, as a prompt injection can make it do. */
const loopOnTools = () => h.openai.setDefault(() => ({ kind: 'function_calls', calls: [LOOKUP] }));

/** What the model calls really used, as OpenAI reported it (one log line per call). */
function callTokens(): number[] {
  return h
    .parsedLogs()
    .filter((l) => l.event === 'model_call' && typeof l.input_tokens === 'number')
    .map((l) => Number(l.input_tokens) + Number(l.output_tokens));
}

/** The person's counter for today, read straight from Redis (keyed by a hash of the person, not the Slack id). */
async function countedToday(userId = 'U1'): Promise<number> {
  const redis = new Redis(REDIS_URL);
  try {
    const team = h.slack.teamId;
    const key = storeKeys(h.prefix).usageUserDay(team, usageUserKey(team, userId), utcDay(Date.now()));
    return Number((await redis.hget(key, 'tokens')) ?? 0);
  } finally {
    await redis.quit();
  }
}

/** Everything the bot wrote in the thread each question started. */
function threadTexts(): string[] {
  return h.slack
    .messages(SUP_CHANNEL)
    .filter((m) => m.user !== h.slack.botUserId)
    .map((root) =>
      h
        .replies(SUP_CHANNEL, root.ts)
        .map((m) => m.text)
        .join('\n'),
    );
}

const ask = (n: number, user = 'U1') =>
  Promise.all(Array.from({ length: n }, (_, i) => h.mention({ user, text: `question ${i}: status of SUP-101?` })));

describe('a daily token limit holds against questions that loop on tools', () => {
  it('stops one looping question at the limit, between calls, and says why', async () => {
    h = await harness('limits:\n  user_daily_tokens: 2000\n').start();
    loopOnTools();
    const sent = await h.mention({ text: 'status of SUP-101?' });
    expect(await h.turnFinished(sent.eventId)).toMatchObject({ outcome: 'refused' });

    const calls = callTokens();
    const total = calls.reduce((a, b) => a + b, 0);
    // Before: one admission for the whole turn, then 7 calls (6 tool rounds) and 12.6× the limit.
    expect(calls.length).toBeLessThan(7);
    expect(total).toBeGreaterThanOrEqual(2_000);
    expect(total - 2_000).toBeLessThanOrEqual(Math.max(...calls));
    expect(await countedToday()).toBe(total);
    expect(threadTexts()[0]).toMatch(
      /reached your daily limit of 2,000 tokens \([\d,]+ used today\), so I stopped before finishing this answer/,
    );
  });

  it('keeps twenty looping questions at once within the limit plus one call', async () => {
    h = await harness('limits:\n  user_daily_tokens: 20000\n').start();
    loopOnTools();
    const sent = await ask(20);
    const outcomes = await Promise.all(sent.map((s) => h.turnFinished(s.eventId, 90_000)));
    const calls = callTokens();
    const total = calls.reduce((a, b) => a + b, 0);
    // Before: 3.4× the limit.
    expect(total).toBeGreaterThanOrEqual(20_000);
    expect(total - 20_000).toBeLessThanOrEqual(Math.max(...calls));
    expect(await countedToday()).toBe(total);
    expect(outcomes.some((o) => o.outcome === 'refused')).toBe(true);
  }, 120_000);
});

describe('a burst of questions is not refused for tokens nobody used', () => {
  it('answers twenty questions at once until the limit is really used, and refuses only with the real count', async () => {
    h = await harness('limits:\n  user_daily_tokens: 2000\n').start();
    const sent = await ask(20);
    const outcomes = await Promise.all(sent.map((s) => h.turnFinished(s.eventId, 90_000)));
    const answered = outcomes.filter((o) => o.outcome === 'answered').length;
    const calls = callTokens();
    const total = calls.reduce((a, b) => a + b, 0);
    // Before: 2 answered, 18 refused with "(0 used today)" while in-flight holds of max_output_tokens counted as spent.
    expect(answered).toBeGreaterThan(2);
    expect(total).toBeGreaterThanOrEqual(2_000);
    expect(total - 2_000).toBeLessThanOrEqual(Math.max(...calls));
    const refusals = threadTexts().filter((t) => /daily limit/.test(t));
    expect(refusals).toHaveLength(20 - answered);
    for (const text of refusals) {
      const counted = Number(/\(([\d,]+) used today\)/.exec(text)?.[1]?.replace(/,/g, ''));
      expect(counted).toBeGreaterThanOrEqual(2_000);
    }
  }, 120_000);
});

describe('forget-me is not a way around the limit', () => {
  it('keeps the count of an over-limit person who deleted their data, and drops only their name from top users', async () => {
    h = await harness('limits:\n  user_daily_tokens: 50\n  admins: [UADMIN]\n').start();
    const first = await h.mention({ text: 'first question' });
    expect(await h.turnFinished(first.eventId)).toMatchObject({ outcome: 'answered' });
    const second = await h.mention({ text: 'second question' });
    expect(await h.turnFinished(second.eventId)).toMatchObject({ outcome: 'refused' });
    const before = await countedToday();
    expect((await h.slash('usage', { user: 'UADMIN' })).json.text).toContain('<@U1>');

    const forgot = await h.slash('forget-me');
    const third = await h.mention({ text: 'third question, after forget-me' });
    // Before: forget-me deleted the counters, so this was answered on a fresh daily limit.
    expect(await h.turnFinished(third.eventId)).toMatchObject({ outcome: 'refused' });
    expect(threadTexts().at(-1)).toContain(`(${before.toLocaleString('en-US')} used today)`);
    expect(forgot.json.text).toMatch(/Kept: how many tokens you used today/);
    expect(h.openai.responsesRequests()).toHaveLength(1);
    expect((await h.slash('usage', { user: 'UADMIN' })).json.text).not.toContain('<@U1>');

    const redis = new Redis(REDIS_URL);
    try {
      expect((await redis.keys(`${h.prefix}usage:*`)).join(' ')).not.toContain('U1');
    } finally {
      await redis.quit();
    }
  });
});

const OUT_OF_QUOTA = {
  kind: 'stream_error',
  error: {
    type: 'insufficient_quota',
    code: 'insufficient_quota',
    message: 'You exceeded your current quota, please check your plan and billing details.',
  },
} as const;

describe('"An admin has been alerted" is true', () => {
  it('DMs each admin once an hour when OpenAI is out of quota, and only then says so', async () => {
    h = await harness('limits:\n  admins: [UADMIN, U2]\n').start();
    h.openai.setDefault(() => OUT_OF_QUOTA);
    for (const text of ['first', 'second']) {
      const sent = await h.mention({ text });
      await h.turnFinished(sent.eventId);
    }
    for (const text of threadTexts()) expect(text).toMatch(/out of quota[\s\S]*An admin has been alerted/);
    const dms = h.slack.callsTo('chat.postMessage').filter((c) => String(c.args.channel).startsWith('D'));
    expect(dms.map((c) => c.args.channel).sort()).toEqual(['D02', 'D0ADMIN']);
    expect(String(dms[0]!.args.text)).toMatch(/out of quota[\s\S]*insufficient_quota[\s\S]*limits\.admins/);
    const redis = new Redis(REDIS_URL);
    try {
      const key = storeKeys(h.prefix).adminAlert(h.slack.teamId, 'openai_insufficient_quota');
      expect(await redis.get(key)).toBe('sent');
      expect(await redis.ttl(key)).toBeGreaterThan(3_500);
    } finally {
      await redis.quit();
    }
  });

  it('does not claim an alert when there is no admin to tell, or none could be reached', async () => {
    h = await harness('limits:\n  admins: [U0GONE]\n').start();
    h.openai.setDefault(() => OUT_OF_QUOTA);
    const sent = await h.mention({ text: 'hello?' });
    await h.turnFinished(sent.eventId);
    const [text] = threadTexts();
    expect(text).toMatch(/out of quota/);
    expect(text).not.toMatch(/has been alerted/);
    expect(text).toMatch(/Please let an admin know/);
    expect(h.slack.callsTo('conversations.open').map((c) => c.ok)).toEqual([false]);
    await h.waitForLog((l) => l.msg === 'could not send an alert to an admin');
  });
});
