import { WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  answeredOn,
  type EarlierQuestion,
  earlierAnswers,
  SEARCH_TIME_CAP_MS,
} from '../../../../src/features/knowledge/earlier-answers.js';
import { SlackRateGate } from '../../../../src/platform/slack/rate-gate.js';
import { MemorySearchBudget } from '../../../../src/platform/slack/search-budget.js';
import { translators } from '../../../support/translators.js';

const key = { teamId: 'T1', channel: 'CHELP', threadTs: '1763000000.000100' };
// 12 Nov 2025, 23:30 UTC: already 13 Nov in Tokyo.
const EARLIER_TS = '1762990200.000200';
const hit = (over: Record<string, unknown> = {}) => ({
  author_user_id: 'U2',
  team_id: 'T1',
  channel_id: 'CHELP',
  message_ts: EARLIER_TS,
  content: 'Reset the VPN token from the portal.',
  is_author_bot: false,
  permalink: `https://acme.slack.com/archives/CHELP/p${EARLIER_TS.replace('.', '')}`,
  ...over,
});

type ApiCall = (method: string, args: Record<string, unknown>) => Promise<unknown>;

let now: number;
beforeEach(() => {
  vi.useFakeTimers();
  // A week after the earlier answer: the same year, so dates go without it.
  vi.setSystemTime(new Date('2025-11-20T09:00:00Z'));
  now = Date.now();
});
afterEach(() => vi.useRealTimers());

function setup(apiCall: ApiCall, opts: { budget?: number } = {}) {
  const calls: Array<Record<string, unknown>> = [];
  const client = {
    apiCall: async (method: string, args: Record<string, unknown>) => {
      calls.push({ method, ...args });
      return apiCall(method, args);
    },
  } as unknown as WebClient;
  const gate = new SlackRateGate(() => now);
  const lines: Array<{ msg: string; reason?: string }> = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const find = earlierAnswers({
    enabled: () => true,
    budget: new MemorySearchBudget(opts.budget ?? 10, () => now),
    searchClient: (bot) => bot,
    translators,
  });
  const ask = (over: Partial<EarlierQuestion> = {}) =>
    find({
      key,
      messageTs: '1763000000.000100',
      question: 'How do I reset my VPN token?',
      actionToken: '12345.98765.abcd2358fdea',
      client,
      gate,
      asker: Promise.resolve({ timeZone: 'Asia/Tokyo', locale: 'en-GB' }),
      log,
      ...over,
    });
  return { ask, calls, gate, lines };
}

const found =
  (messages: unknown[], extra: Record<string, unknown> = {}) =>
  async () => ({
    ok: true,
    results: { messages },
    ...extra,
  });

describe('earlier answers from Slack search', () => {
  it('gives the model the earlier messages as data and cites each as "answered on <date in the asker’s zone>"', async () => {
    const { ask, calls } = setup(found([hit()]));
    const result = await ask();
    expect(calls).toEqual([
      expect.objectContaining({
        method: 'assistant.search.context',
        query: 'How do I reset my VPN token?',
        action_token: '12345.98765.abcd2358fdea',
      }),
    ]);
    const link = hit().permalink;
    expect(result?.sources).toEqual([{ title: 'answered on 13 Nov', url: link, cue: link }]);
    expect(result?.context).toContain('"untrusted_data"');
    expect(result?.context).toContain(`answered on 13 Nov: ${link}`);
    expect(result?.context).toContain('Reset the VPN token from the portal.');
    expect(answeredOn(EARLIER_TS, {}, 'en')).toBe('Nov 12');
    expect(answeredOn(EARLIER_TS, { timeZone: 'Not/AZone', locale: 'en-GB' }, 'en')).toBe('12 Nov');
  });

  it('dates and words the citation for a German or Japanese asker in their language, and in English otherwise', async () => {
    const { ask } = setup(found([hit()]));
    const link = hit().permalink;
    const german = await ask({ asker: Promise.resolve({ timeZone: 'Europe/Berlin', locale: 'de-DE' }) });
    expect(german?.sources[0]?.title).toBe('beantwortet am 13. Nov.');
    expect(german?.context).toContain(`beantwortet am 13. Nov.: ${link}`);
    const japanese = await ask({ asker: Promise.resolve({ timeZone: 'Asia/Tokyo', locale: 'ja-JP' }) });
    expect(japanese?.sources[0]?.title).toBe('11月13日に回答');
    // The model is shown the citation to copy, in the asker's words.
    expect(japanese?.context).toContain('for example "11月13日に回答: <link>"');
    const korean = await ask({ asker: Promise.resolve({ timeZone: 'Asia/Seoul', locale: 'ko-KR' }) });
    // No Korean catalog: English words, the date as Korean Slack writes it.
    expect(korean?.sources[0]?.title).toBe('answered on 11월 13일');
    const unknown = await ask({ asker: Promise.resolve({}) });
    expect(unknown?.sources[0]?.title).toBe('answered on Nov 12');
  });

  it('adds the year to an answer from another year', () => {
    const nextYear = Date.parse('2026-02-01T00:00:00Z');
    expect(answeredOn(EARLIER_TS, { timeZone: 'UTC', locale: 'en-US' }, 'en', nextYear)).toBe('Nov 12, 2025');
    expect(answeredOn(EARLIER_TS, { timeZone: 'Asia/Tokyo', locale: 'ja-JP' }, 'ja', nextYear)).toBe('2025年11月13日');
  });

  it('leaves out the question itself, its own thread and malformed results', async () => {
    const { ask } = setup(
      found([
        hit({ message_ts: '1763000000.000100' }),
        hit({
          message_ts: '1763000001.000100',
          permalink: `https://acme.slack.com/archives/CHELP/p1763000001000100?thread_ts=${key.threadTs}&cid=CHELP`,
        }),
        { content: 'no ids at all' },
        hit({ channel_id: 'COTHER', message_ts: '1762000000.000100' }),
      ]),
    );
    const result = await ask();
    expect(result?.sources.map((s) => s.title)).toHaveLength(1);
    expect(result?.context).not.toContain('no ids at all');
  });

  it('answers without Slack when the shape is not what Slack documents', async () => {
    const { ask } = setup(async () => ({ ok: true, results: { messages: 'nope' } }));
    expect(await ask()).toBeUndefined();
  });

  it('does not search without an action token (commands, shortcuts, a retried job)', async () => {
    const { ask, calls, lines } = setup(found([hit()]));
    expect(await ask({ actionToken: undefined })).toBeUndefined();
    expect(calls).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'slack search skipped', reason: 'no action token on this question' }),
    );
  });

  it('spends at most the workspace’s budget per minute, then skips until the next minute', async () => {
    const { ask, calls } = setup(found([]), { budget: 3 });
    for (let i = 0; i < 5; i++) await ask();
    expect(calls).toHaveLength(3);
    now += 60_000;
    await ask();
    expect(calls).toHaveLength(4);
  });

  it('holds back after ratelimited until Retry-After has passed', async () => {
    let first = true;
    const { ask, calls } = setup(async () => {
      if (first) {
        first = false;
        // What @slack/web-api throws for an HTTP 429 when rate-limited calls are rejected.
        throw new WebAPIRateLimitedError(30);
      }
      return { ok: true, results: { messages: [] } };
    });
    expect(await ask()).toBeUndefined();
    expect(await ask()).toBeUndefined();
    expect(calls).toHaveLength(1);
    now += 31_000;
    await ask();
    expect(calls).toHaveLength(2);
  });

  it('never holds the answer back longer than its time cap', async () => {
    const { ask, lines } = setup(() => new Promise(() => undefined));
    const pending = ask();
    await vi.advanceTimersByTimeAsync(SEARCH_TIME_CAP_MS);
    expect(await pending).toBeUndefined();
    expect(lines).toContainEqual(
      expect.objectContaining({ reason: `slack search took longer than ${SEARCH_TIME_CAP_MS} ms` }),
    );
  });
});
