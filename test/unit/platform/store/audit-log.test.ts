import { describe, expect, it } from 'vitest';
import { type AuditLog, MemoryAuditLog, RedisAuditLog } from '../../../../src/platform/store/audit-log.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, fresh } = testRedis();

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 10);

function logs(now: { t: number }): Array<[string, AuditLog]> {
  const prefix = fresh();
  return [
    [
      'memory',
      new MemoryAuditLog(
        () => 7 * DAY,
        () => now.t,
      ),
    ],
    [
      'redis',
      new RedisAuditLog(
        redis,
        storeKeys(prefix),
        () => 7 * DAY,
        () => now.t,
      ),
    ],
  ];
}

describe.each(['memory', 'redis'])('the %s audit log', (kind) => {
  it('keeps records in order, filters them, and drops those past the retention as new ones arrive', async () => {
    const now = { t: T0 };
    const log = logs(now).find(([k]) => k === kind)![1];
    await log.record({
      teamId: 'T1',
      action: 'tool_call',
      actor: 'U1',
      channel: 'C1',
      tool: 'lookup_ticket',
      decision: 'denied',
    });
    now.t = T0 + DAY;
    await log.record({ teamId: 'T1', action: 'approval', actor: 'U2', channel: 'C2' });
    await log.record({ teamId: 'T2', action: 'forget_me', actor: 'U1' });
    expect((await log.query({ since: 0 })).map((r) => r.action)).toEqual(['tool_call', 'approval', 'forget_me']);
    expect((await log.query({ since: 0, teamId: 'T1', actor: 'U1' })).map((r) => r.tool)).toEqual(['lookup_ticket']);
    expect((await log.query({ since: 0, channel: 'C2' })).map((r) => r.actor)).toEqual(['U2']);
    expect((await log.query({ since: T0 + 1 })).map((r) => r.action)).toEqual(['approval', 'forget_me']);

    expect(await log.forgetPerson('T1', 'U1')).toBe(1);
    expect((await log.query({ since: 0 })).map((r) => r.action)).toEqual(['approval', 'forget_me']);

    // Ten days later: the first records are past the 7-day retention. Redis trims approximately (whole
    // macro-nodes), so what the trail promises is checked: nothing older than the retention is returned by
    // a query for the retention period, and the stream does not grow without bound.
    now.t = T0 + 10 * DAY;
    for (let i = 0; i < 3; i++) await log.record({ teamId: 'T1', action: 'tool_call', actor: 'U3' });
    const kept = await log.query({ since: now.t - 7 * DAY });
    expect(kept.map((r) => r.actor)).toEqual(['U3', 'U3', 'U3']);
    if (kind === 'memory') expect(await log.query({ since: 0 })).toHaveLength(3);
  });
});

describe('the redis audit trail retention', () => {
  it('trims records older than audit.retention_days from the stream as new ones are written', async () => {
    const prefix = fresh();
    const keys = storeKeys(prefix);
    // Two records from long ago, as the stream holds them (ids are Redis's milliseconds).
    const old = JSON.stringify({ at: 1_000, teamId: 'T1', action: 'approval', actor: 'U1' });
    await redis.xadd(keys.audit, '1000-1', 'e', old);
    await redis.xadd(keys.audit, '2000-1', 'e', old);
    const log = new RedisAuditLog(redis, keys, () => 30 * DAY);
    await log.record({ teamId: 'T1', action: 'forget_me', actor: 'U2' });
    expect(await redis.xlen(keys.audit)).toBe(1);
    expect((await log.query({ since: 0 })).map((r) => r.action)).toEqual(['forget_me']);
  });
});
