import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { fileConfigSchema } from '../../../../src/config/file-schema.js';
import { MemoryUsageStore } from '../../../../src/features/usage/memory-usage.js';
import { priceTable } from '../../../../src/features/usage/prices.js';
import { QuotaService } from '../../../../src/features/usage/quota.js';
import { RedisUsageStore } from '../../../../src/features/usage/redis-usage.js';
import type { UsageStore } from '../../../../src/features/usage/types.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = pino({ level: 'silent' });
const prices = priceTable(fileConfigSchema.parse({}).pricing);
const connections: Redis[] = [];
const prefixes: string[] = [];

afterAll(async () => {
  const r = new Redis(REDIS_URL);
  for (const p of prefixes) {
    const keys = await r.keys(`${p}*`);
    if (keys.length) await r.del(...keys);
  }
  await r.quit();
  await Promise.all(connections.map((c) => c.quit()));
});

/** Two stores on two connections: two replicas sharing one Redis. */
function redisReplicas(): [UsageStore, UsageStore] {
  const prefix = `twtest:${randomBytes(4).toString('hex')}:`;
  prefixes.push(prefix);
  const a = new Redis(REDIS_URL);
  const b = new Redis(REDIS_URL);
  connections.push(a, b);
  return [new RedisUsageStore(a, storeKeys(prefix)), new RedisUsageStore(b, storeKeys(prefix))];
}
function memoryReplicas(): [UsageStore, UsageStore] {
  const m = new MemoryUsageStore();
  return [m, m];
}

const limits = (raw: object) => fileConfigSchema.parse({ limits: raw }).limits;
const used = (tokens: number, usdMicros = 0) => ({
  inputTokens: tokens,
  cachedTokens: 0,
  outputTokens: 0,
  usdMicros,
  calls: 1,
});
const turn = (i: number) => ({
  teamId: 'T1',
  channel: 'C1',
  userId: 'U1',
  turnId: `Ev${i}`,
  model: 'gpt-4o',
  inputTokens: 500,
  maxOutputTokens: 1_000,
});

describe.each([
  ['Redis, two replicas', redisReplicas],
  ['memory', memoryReplicas],
])('quotas (%s)', (_name, replicas) => {
  it('lets one of twenty concurrent turns through for a user just under the daily limit', async () => {
    const [a, b] = replicas();
    const qa = new QuotaService(a, limits({ user_daily_tokens: 10_000 }), prices, log);
    const qb = new QuotaService(b, limits({ user_daily_tokens: 10_000 }), prices, log);
    await a.settle(qa.period('T1', 'U1'), used(9_000));
    const admissions = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? qa : qb).admit(turn(i))));
    const admitted = admissions.filter((x) => x.ok);
    expect(admitted).toHaveLength(1);
    const refused = admissions.find((x) => !x.ok);
    expect(refused && !refused.ok && refused.notice).toMatch(
      /daily limit of 10,000 tokens \(9,000 used today\).*resets at 00:00 UTC/,
    );
    for (const x of admitted) if (x.ok) await x.settle(used(1_400));
    const report = await a.report(qa.period('T1', 'U1'), 0);
    expect(report.userToday.inputTokens).toBe(10_400);
    expect(report.userToday.inputTokens - 10_000).toBeLessThanOrEqual(1_500);
  });

  it('overshoots by at most one turn when twenty turns race from zero', async () => {
    const [a, b] = replicas();
    const cfg = limits({ user_daily_tokens: 10_000 });
    const qs = [new QuotaService(a, cfg, prices, log), new QuotaService(b, cfg, prices, log)];
    const admissions = await Promise.all(Array.from({ length: 20 }, (_, i) => qs[i % 2]!.admit(turn(i))));
    const admitted = admissions.filter((x) => x.ok);
    // Each turn holds 1,500 (input estimate + output cap): 0, 1,500 … 9,000 are under 10,000.
    expect(admitted).toHaveLength(7);
    await Promise.all(admitted.map((x) => x.ok && x.settle(used(1_500))));
    const total = (await a.report(qs[0]!.period('T1', 'U1'), 0)).userToday.inputTokens;
    expect(total).toBe(10_500);
    expect(total - 10_000).toBeLessThanOrEqual(1_500);
  });

  it('stops a workspace at its monthly dollar budget, and never stops admins', async () => {
    const [a] = replicas();
    const cfg = limits({ workspace_monthly_usd: 5, admins: ['UADMIN'] });
    const q = new QuotaService(a, cfg, prices, log);
    await a.settle(q.period('T1', 'U2'), used(0, 5_000_000));
    const refused = await q.admit(turn(1));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.notice).toMatch(/monthly OpenAI budget of \$5\.00 \(\$5\.00 spent\)/);
    expect((await q.admit({ ...turn(2), userId: 'UADMIN' })).ok).toBe(true);
  });

  it('applies a channel override of the daily limit', async () => {
    const [a] = replicas();
    const q = new QuotaService(
      a,
      limits({ user_daily_tokens: 100, channels: { C0BIG: { user_daily_tokens: 1_000_000 } } }),
      prices,
      log,
    );
    await a.settle(q.period('T1', 'U1'), used(500));
    expect((await q.admit(turn(1))).ok).toBe(false);
    expect((await q.admit({ ...turn(2), channel: 'C0BIG' })).ok).toBe(true);
  });

  it('stops counting the hold of a turn that never settled (a replica died) after it expires', async () => {
    const [a] = replicas();
    let now = Date.UTC(2026, 7, 21, 10);
    const q = new QuotaService(a, limits({ user_daily_tokens: 1_000 }), prices, log, () => now);
    expect((await q.admit(turn(1))).ok).toBe(true);
    expect((await q.admit(turn(2))).ok).toBe(false);
    now += 16 * 60_000;
    expect((await q.admit(turn(3))).ok).toBe(true);
  });

  it('reports the caller, the workspace and the top users', async () => {
    const [a] = replicas();
    const q = new QuotaService(a, limits({}), prices, log);
    await a.settle(q.period('T1', 'U1'), used(100, 250));
    await a.settle(q.period('T1', 'U2'), used(300, 750));
    await a.settle(q.period('T1', 'U2'), used(50, 125));
    const report = await a.report(q.period('T1', 'U1'), 5);
    expect(report.userToday).toMatchObject({ inputTokens: 100, usdMicros: 250, calls: 1 });
    expect(report.workspaceMonth).toMatchObject({ inputTokens: 450, usdMicros: 1_125, calls: 3 });
    expect(report.top).toEqual([
      { userId: 'U2', tokens: 350, usdMicros: 875 },
      { userId: 'U1', tokens: 100, usdMicros: 250 },
    ]);
  });
});
