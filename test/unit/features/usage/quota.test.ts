import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { MemoryUsageStore } from '../../../../src/features/usage/memory-usage.js';
import { priceTable } from '../../../../src/features/usage/prices.js';
import { MAX_WAIT_MS, QuotaService } from '../../../../src/features/usage/quota.js';
import { RedisUsageStore } from '../../../../src/features/usage/redis-usage.js';
import type { Reservation, UsageStore } from '../../../../src/features/usage/types.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import type { CallAdmission, CallEstimate } from '../../../../src/turn/ports.js';
import { testRedis } from '../../../support/test-redis.js';
import { en, translators } from '../../../support/translators.js';

const log = pino({ level: 'silent' });
const prices = priceTable(fileConfigSchema.parse({}).pricing);
const db = testRedis();

/** Two stores on two connections: two replicas sharing one Redis. */
function redisReplicas(prefix = db.fresh()): [UsageStore, UsageStore] {
  const a = db.connect();
  const b = db.connect();
  return [new RedisUsageStore(a, storeKeys(prefix)), new RedisUsageStore(b, storeKeys(prefix))];
}
function memoryReplicas(): [UsageStore, UsageStore] {
  const m = new MemoryUsageStore();
  return [m, m];
}

const limits = (raw: object) => fileConfigSchema.parse({ limits: raw }).limits;
const DAY = { teamId: 'T1', userId: 'U1', day: '2026-08-21', month: '2026-08' };
const NOW = Date.UTC(2026, 7, 21, 10);
const used = (tokens: number, usdMicros = 0) => ({
  inputTokens: tokens,
  cachedTokens: 0,
  outputTokens: 0,
  usdMicros,
  calls: 1,
});
const hold = (id: string, tokens: number, usdMicros = 0, expiresAt = NOW + 60_000): Reservation => ({
  ...DAY,
  id,
  tokens,
  usdMicros,
  expiresAt,
});
const call: CallEstimate = { model: 'gpt-4o', inputTokens: 100, maxOutputTokens: 1_000 };
const subject = (turnId: string, userId = 'U1') => ({ teamId: 'T1', channel: 'C1', userId, turnId });
const usage = (tokens: number) => ({ inputTokens: tokens, cachedTokens: 0, outputTokens: 0 });

describe.each([
  ['Redis, two replicas', redisReplicas],
  ['memory', memoryReplicas],
])('the usage store (%s)', (_name, replicas) => {
  it('holds room for calls while they fit, answers the rest "busy" (never "reached"), across replicas', async () => {
    const [a, b] = replicas();
    const max = { userDailyTokens: 10_000 };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve(hold(`c${i}`, 1_500), max, NOW)),
    );
    // 0, 1,500 … 7,500 leave room for another 1,500 under 10,000; nothing is used yet, so nothing is "reached".
    expect(results.filter((r) => r.kind === 'admitted')).toHaveLength(6);
    expect(results.filter((r) => r.kind === 'busy')).toHaveLength(14);
    expect(results.find((r) => r.kind === 'busy')).toMatchObject({ used: 0, reserved: 9_000 });
  });

  it('overshoots by at most one call: the last call runs alone, then the limit is reached with the real count', async () => {
    const [a, b] = replicas();
    const max = { userDailyTokens: 10_000 };
    await a.settle(DAY, used(9_000));
    const racing = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).reserve(hold(`c${i}`, 1_500), max, NOW)),
    );
    // 9,000 + 1,500 does not fit, but nothing else runs: exactly one call may finish the day's tokens.
    expect(racing.filter((r) => r.kind === 'admitted')).toHaveLength(1);
    const winner = racing.findIndex((r) => r.kind === 'admitted');
    await a.settle(DAY, used(1_400), hold(`c${winner}`, 1_500));
    expect(await b.reserve(hold('late', 1_500), max, NOW)).toEqual({
      kind: 'reached',
      limit: 'user_daily_tokens',
      used: 10_400,
    });
    expect((await a.report(DAY, 0)).userToday.inputTokens - 10_000).toBeLessThanOrEqual(1_500);
  });

  it('stops counting the hold of a call that never settled (a replica died) once it expires', async () => {
    const [a] = replicas();
    const max = { userDailyTokens: 1_000 };
    expect(await a.reserve(hold('dead', 900, 0, NOW + 1_000), max, NOW)).toEqual({ kind: 'admitted' });
    expect((await a.reserve(hold('next', 900), max, NOW)).kind).toBe('busy');
    expect(await a.reserve(hold('later', 900), max, NOW + 1_001)).toEqual({ kind: 'admitted' });
  });

  it('stops a workspace at its monthly dollar budget', async () => {
    const [a] = replicas();
    await a.settle({ ...DAY, userId: 'U2' }, used(0, 5_000_000));
    expect(await a.reserve(hold('x', 10, 10), { workspaceMonthlyUsdMicros: 5_000_000 }, NOW)).toEqual({
      kind: 'reached',
      limit: 'workspace_monthly_usd',
      used: 5_000_000,
    });
  });

  it('reports the caller, the workspace and the top users', async () => {
    const [a] = replicas();
    await a.settle(DAY, used(100, 250));
    await a.settle({ ...DAY, userId: 'U2' }, used(300, 750));
    await a.settle({ ...DAY, userId: 'U2' }, used(50, 125));
    const report = await a.report(DAY, 5);
    expect(report.userToday).toMatchObject({ inputTokens: 100, usdMicros: 250, calls: 1 });
    expect(report.workspaceMonth).toMatchObject({ inputTokens: 450, usdMicros: 1_125, calls: 3 });
    expect(report.top).toEqual([
      { userId: 'U2', tokens: 350, usdMicros: 875 },
      { userId: 'U1', tokens: 100, usdMicros: 250 },
    ]);
  });

  it('forgetting a person takes them off the top list but keeps the counts their limit is checked against', async () => {
    const [a] = replicas();
    await a.settle(DAY, used(2_000));
    await a.forgetUser('T1', 'U1');
    const report = await a.report(DAY, 5);
    expect(report.top).toEqual([]);
    expect(report.userToday.inputTokens).toBe(2_000);
    expect((await a.reserve(hold('again', 10), { userDailyTokens: 2_000 }, NOW)).kind).toBe('reached');
  });
});

describe('usage keys in Redis', () => {
  it('name people only by a hash: no key holds the Slack user id', async () => {
    const prefix = db.fresh();
    const [a] = redisReplicas(prefix);
    await a.reserve(hold('c1', 100), { userDailyTokens: 1_000 }, NOW);
    await a.settle({ ...DAY, userId: 'U0SECRETID' }, used(10));
    const keys = await db.redis.keys(`${prefix}*`);
    expect(keys.length).toBeGreaterThan(3);
    expect(keys.join(' ')).not.toContain('U0SECRETID');
  });
});

describe('admitting calls (fake timers)', () => {
  let store: MemoryUsageStore;
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW });
    store = new MemoryUsageStore();
  });
  afterEach(() => vi.useRealTimers());

  const service = (raw: object = { user_daily_tokens: 2_000 }) =>
    new QuotaService(store, () => limits(raw), prices, log);
  const settled = async (p: Promise<CallAdmission>) => {
    let done: CallAdmission | undefined;
    void p.then((x) => (done = x));
    await vi.advanceTimersByTimeAsync(0);
    return () => done;
  };

  it('makes a question wait while the person’s other answer holds the rest of the limit, then lets it through', async () => {
    const q = service();
    const first = await q.account(subject('turn-a')).admit(call);
    expect(first.ok).toBe(true);
    const onWait = vi.fn();
    const second = await settled(q.account(subject('turn-b')).admit(call, onWait));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(second()).toBeUndefined();
    expect(onWait).toHaveBeenCalledTimes(1);
    if (first.ok) await first.settle('gpt-4o', usage(150));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(second()).toMatchObject({ ok: true });
  });

  it('refuses the waiting question with the real count once the other answer used the limit up', async () => {
    const q = service();
    const first = await q.account(subject('turn-a')).admit(call);
    const second = await settled(q.account(subject('turn-b')).admit(call));
    if (first.ok) await first.settle('gpt-4o', usage(2_150));
    await vi.advanceTimersByTimeAsync(1_000);
    const refusal = second();
    expect(refusal).toMatchObject({ ok: false, limit: 'user_daily_tokens' });
    const notice = refusal && !refusal.ok ? refusal.notice(en) : '';
    expect(notice).toMatch(/reached your daily limit of 2,000 tokens \(2,150 used today\), so I didn't send this/);
    expect(notice).toMatch(/resets at Sat, Aug 22, 2026, 12:00 AM UTC, in 14 hours/);
    // The same refusal reads in the asker's language.
    expect(refusal && !refusal.ok ? refusal.notice(translators.forLocale('de-DE')) : '').toMatch(
      /Tageslimit von 2\.000 Tokens erreicht \(heute 2\.150 verbraucht\)/,
    );
  });

  it('gives up after the longest wait without claiming the limit is reached (nothing was used yet)', async () => {
    const q = service();
    await q.account(subject('turn-a')).admit(call); // never settles: a slow answer
    const second = await settled(q.account(subject('turn-b')).admit(call));
    await vi.advanceTimersByTimeAsync(MAX_WAIT_MS - 1_500);
    expect(second()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2_000);
    const refusal = second();
    const notice = refusal && !refusal.ok ? refusal.notice(en) : '';
    expect(notice).toMatch(/other questions that are still being answered may use the rest of your daily limit/);
    expect(notice).toMatch(/\(0 of 2,000 tokens used so far today\)/);
    expect(notice).not.toMatch(/reached/);
  });

  it('admits each call of a turn on its own and says the answer was stopped when a later one is refused', async () => {
    const q = service({ user_daily_tokens: 1_000 });
    const account = q.account(subject('turn-loop'));
    for (let round = 0; round < 5; round++) {
      const a = await account.admit(call);
      if (!a.ok) {
        expect(round).toBe(3);
        expect(a.notice(en)).toMatch(/\(1,200 used today\), so I stopped before finishing this answer/);
        return;
      }
      await a.settle('gpt-4o', usage(400));
    }
    throw new Error('the loop was never stopped');
  });

  it('applies a channel override, never limits admins, and still counts what admins use', async () => {
    const q = service({
      user_daily_tokens: 100,
      admins: ['UADMIN'],
      channels: { C0BIG: { user_daily_tokens: 50_000 } },
    });
    await store.settle(q.period('T1', 'U1'), used(500));
    expect((await q.account(subject('t1')).admit(call)).ok).toBe(false);
    expect((await q.account({ ...subject('t2'), channel: 'C0BIG' }).admit(call)).ok).toBe(true);
    const admin = await q.account(subject('t3', 'UADMIN')).admit(call);
    expect(admin.ok).toBe(true);
    if (admin.ok) await admin.settle('gpt-4o', usage(700));
    expect((await store.report(q.period('T1', 'UADMIN'), 0)).userToday).toMatchObject({ inputTokens: 700, calls: 1 });
  });

  it('answers unchecked (and says so in the log) when the store is away', async () => {
    const broken = new MemoryUsageStore();
    broken.reserve = () => Promise.reject(new Error('Connection is closed.'));
    const q = new QuotaService(broken, () => limits({ user_daily_tokens: 10 }), prices, log);
    expect((await q.account(subject('t')).admit(call)).ok).toBe(true);
  });
});
