import { describe, expect, it } from 'vitest';
import { TurnLeases } from '../../../../src/platform/queue/turn-leases.js';
import { storeKeys } from '../../../../src/platform/store/keys.js';
import { testRedis } from '../../../support/test-redis.js';

const { redis, prefix } = testRedis();
const leases = new TurnLeases(redis, storeKeys(prefix));
const turn = (jobId: string) => ({ key: { teamId: 'T1', channel: 'C1', threadTs: '1.1' }, jobId });

describe('leases of turns started where they arrived', () => {
  it('hands a turn whose lease ran out to one sweeping replica, not to two', async () => {
    await leases.lease(turn('dead'), 0);
    await leases.lease(turn('alive'), 60_000);
    const [first, second] = await Promise.all([leases.takeDue(60_000, 10), leases.takeDue(60_000, 10)]);
    expect([...first, ...second]).toEqual([turn('dead')]);
    // The taker holds it now: it is not due again until that extension runs out.
    expect(await leases.takeDue(60_000, 10)).toEqual([]);
  });

  it('forgets a finished turn, and skips an entry it cannot read', async () => {
    await leases.lease(turn('done'), 0);
    await leases.forget(turn('done'));
    await redis.zadd(storeKeys(prefix).turnLeases, '0', 'not json');
    expect(await leases.takeDue(1_000, 10)).toEqual([]);
    expect(await redis.zscore(storeKeys(prefix).turnLeases, 'not json')).toBeNull();
  });
});
